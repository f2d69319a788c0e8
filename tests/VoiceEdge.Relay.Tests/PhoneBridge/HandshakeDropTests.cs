using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Tests.Twilio;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// A real PersonaPlex answers a bad query or a missing voice file with 101 and then drops the connection before its
/// 0x00 (server.py reads the query after <c>ws.prepare</c>). The bridge takes that for a backend failure with a named
/// cause, moves the call to the next backend, and the pool marks a backend that keeps doing it down.
/// </summary>
public class HandshakeDropTests
{
    private static string Label(Uri backend) => $"backend=\"{backend.GetLeftPart(UriPartial.Path)}\"";

    private static Uri Chat(StandInPersonaPlex model) => new($"ws://127.0.0.1:{model.BaseUri.Port}/api/chat");

    private static Task<RelayUnderTest> StartRelayAsync(IEnumerable<Uri> backends, params (string, string)[] more)
    {
        var settings = new List<(string, string)> { ("TwilioMode", "PersonaPlex"), ("QueueSeconds", "30"), ("ProbeSeconds", "300") };
        var i = 0;
        foreach (var url in backends)
        {
            settings.Add(($"Backends:{i}:Url", url.ToString()));
            settings.Add(($"Backends:{i}:DefaultQuery:voice_prompt", "NATF2.pt"));
            settings.Add(($"Backends:{i}:DefaultQuery:text_prompt", "Hello"));
            i++;
        }
        settings.AddRange(more);
        return RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream(), [.. settings]);
    }

    private static async Task<TwilioCall> StartPhoneCallAsync(RelayUnderTest relay)
    {
        var call = new TwilioCall();
        await call.ConnectAsync(relay.Ws("/twilio/stream"), RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"));
        await call.SendConnectedAsync();
        await call.SendStartAsync(token: TwilioStreamStart.TokenFor(TwilioCall.CallSid));
        return call;
    }

    private static async Task WaitForLogAsync(RelayUnderTest relay, string text, int count = 1)
    {
        for (var i = 0; i < 1500; i++)
        {
            if (relay.Logs.Count(l => l.Contains(text, StringComparison.Ordinal)) >= count) return;
            await Task.Delay(20);
        }
        Assert.Fail($"fewer than {count} log lines with \"{text}\"");
    }

    [Fact]
    public async Task A_phone_call_dropped_before_the_handshake_moves_to_the_next_backend()
    {
        await using var missingVoice = await StandInPersonaPlex.StartAsync();
        missingVoice.Voices = new HashSet<string>(["NATM0.pt"]);
        await using var good = await StandInPersonaPlex.StartAsync();
        await using var relay = await StartRelayAsync([Chat(missingVoice), Chat(good)]);

        using var call = await StartPhoneCallAsync(relay);
        await WaitForLogAsync(relay, "bridge handshake");

        Assert.Single(missingVoice.Drops);
        Assert.Single(good.Queries);
        Assert.Contains(relay.Logs, l => l.Contains($"voice backend {Chat(missingVoice)} failed a call reason=dropped-before-handshake inARow=1", StringComparison.Ordinal));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_failures_total", $"{Label(Chat(missingVoice))},reason=\"dropped-before-handshake\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_up", Label(Chat(missingVoice)))); // once is not yet down
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_busy", Label(Chat(good))));

        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
    }

    [Fact]
    public async Task A_backend_that_drops_calls_before_the_handshake_in_a_row_is_marked_down()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.Behaviour = StandInBehaviour.DropBeforeHandshake;
        await using var relay = await StartRelayAsync([Chat(model)], ("HandshakeDropLimit", "2"));

        for (var n = 1; n <= 2; n++)
        {
            using var call = await StartPhoneCallAsync(relay);
            await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(WebSocketCloseStatus.InternalServerError, call.CloseStatus);
            Assert.StartsWith("voice backend connection lost before its handshake", call.CloseReason, StringComparison.Ordinal);
            await WaitForLogAsync(relay, "bridge call ended", n);
        }

        Assert.Equal(2, model.Drops.Count);
        Assert.Equal(2, await relay.MetricAsync("voice_edge_bridge_ends_total", "reason=\"backend-dropped-before-handshake\""));
        Assert.Equal(2, await relay.MetricAsync("voice_edge_backend_failures_total", $"{Label(Chat(model))},reason=\"dropped-before-handshake\""));
        Assert.Equal(0, await relay.MetricAsync("voice_edge_backend_up", Label(Chat(model))));
        Assert.Contains(relay.Logs, l => l.Contains($"voice backend {Chat(model)} marked down for 60 s: it dropped 2 calls in a row", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_phone_call_on_the_fixed_TwilioUpstream_waits_for_the_first_and_is_refused_1013_after_QueueSeconds()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, ("TwilioMode", "PersonaPlex"), ("QueueSeconds", "1"));
        using var first = await StartPhoneCallAsync(relay);
        await WaitForLogAsync(relay, "bridge handshake");

        using var second = await StartPhoneCallAsync(relay);
        await second.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(((WebSocketCloseStatus)1013, "all voice backends busy"), (second.CloseStatus, second.CloseReason));
        Assert.Single(model.Queries); // the second call never reached the busy PersonaPlex
        Assert.Equal(0, model.Waiting);

        await first.SendStopAsync();
        await first.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, first.CloseStatus);
    }

    [Fact]
    public async Task A_second_phone_call_on_the_fixed_TwilioUpstream_gets_the_backend_when_the_first_ends()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, ("TwilioMode", "PersonaPlex"), ("QueueSeconds", "60"));
        using var first = await StartPhoneCallAsync(relay);
        await WaitForLogAsync(relay, "bridge handshake");
        using var second = await StartPhoneCallAsync(relay);
        for (var i = 0; i < 50; i++) await Task.Delay(20);
        Assert.Single(model.Queries);

        await first.SendStopAsync();
        await first.WaitClosedAsync(TimeSpan.FromSeconds(30));
        await WaitForLogAsync(relay, "bridge handshake", 2);
        Assert.Equal(2, model.Conversations);
        await second.SendStopAsync();
        await second.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, second.CloseStatus);
    }
}
