using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Tests.Twilio;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// <c>TwilioMode=PersonaPlex</c> with <c>Relay:Backends</c>: a bridged phone call takes a slot of the same pool as
/// /api/chat, so a phone call and a browser call never share a capacity-1 PersonaPlex (stand-in: one conversation at
/// a time, handshake after a delay). <c>Upstream</c> and <c>TwilioUpstream</c> point at dead ports: a call that used
/// them instead of the pool would fail.
/// </summary>
public class BridgePoolTests
{
    private const string HandshakeCount = "voice_edge_backend_handshake_seconds_count";

    private static string Label(Uri backend) => $"backend=\"{backend.GetLeftPart(UriPartial.Path)}\"";

    private static Uri Chat(StandInPersonaPlex model) => new($"ws://127.0.0.1:{model.BaseUri.Port}/api/chat");

    private static Task<RelayUnderTest> StartRelayAsync(IEnumerable<Uri> backends, params (string, string)[] more)
    {
        var settings = new List<(string, string)> { ("TwilioMode", "PersonaPlex") };
        var i = 0;
        foreach (var url in backends)
        {
            settings.Add(($"Backends:{i}:Url", url.ToString()));
            settings.Add(($"Backends:{i}:Capacity", "1"));
            settings.Add(($"Backends:{i}:DefaultQuery:voice_prompt", "NATF2.pt"));
            settings.Add(($"Backends:{i}:DefaultQuery:text_prompt", "Hello"));
            i++;
        }
        settings.AddRange(more);
        return RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream(), [.. settings]);
    }

    /// <summary>A signed Twilio stream that passes the start gate (valid per-call token); the bridge then takes a slot.</summary>
    private static async Task<TwilioCall> StartPhoneCallAsync(RelayUnderTest relay, string query = "")
    {
        var call = new TwilioCall();
        await call.ConnectAsync(relay.Ws("/twilio/stream" + query), RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream" + query));
        await call.SendConnectedAsync();
        await call.SendStartAsync(token: TwilioStreamStart.TokenFor(TwilioCall.CallSid));
        return call;
    }

    private static async Task AssertHandshakeAsync(ClientWebSocket ws)
    {
        var (type, data) = await ws.ReceiveMessageAsync();
        Assert.Equal((WebSocketMessageType.Binary, (byte)0x00), (type, data[0]));
    }

    /// <summary>Waits (bounded) for a log line: the bridge logs "bridge handshake" right after counting it.</summary>
    private static async Task WaitForLogAsync(RelayUnderTest relay, string text)
    {
        for (var i = 0; i < 1500; i++)
        {
            if (relay.Logs.Any(l => l.Contains(text, StringComparison.Ordinal))) return;
            await Task.Delay(20);
        }
        Assert.Fail($"no log line with \"{text}\"");
    }

    [Fact]
    public async Task A_phone_call_waits_while_a_browser_call_holds_the_backend_and_gets_it_when_that_call_ends()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await StartRelayAsync([Chat(model)], ("QueueSeconds", "60"), ("AllowedQueryKeys:0", "text_prompt"));
        using var browser = (await relay.ConnectAsync(relay.ValidToken("b1"))).Socket!;
        await AssertHandshakeAsync(browser);
        // Counted before the relay passed the 0x00 on, so already there.
        Assert.Equal(1, await relay.MetricAsync(HandshakeCount, Label(Chat(model))));

        // A query on the stream URL (signed, so accepted) is no caller query for the backend: only its DefaultQuery.
        using var call = await StartPhoneCallAsync(relay, "?text_prompt=from-the-stream-url");
        await relay.WaitForQueuedCallAsync();
        Assert.Single(model.Queries); // the phone call did not dial the busy PersonaPlex

        await browser.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await WaitForLogAsync(relay, "bridge handshake");
        Assert.Equal(["?text_prompt=Hello&voice_prompt=NATF2.pt", "?text_prompt=Hello&voice_prompt=NATF2.pt"], model.Queries.ToArray());
        Assert.Equal(2, await relay.MetricAsync(HandshakeCount, Label(Chat(model))));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_busy", Label(Chat(model))));

        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
    }

    [Fact]
    public async Task A_phone_call_that_gets_no_slot_within_QueueSeconds_is_closed_1013()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await StartRelayAsync([Chat(model)], ("QueueSeconds", "1"));
        using var browser = (await relay.ConnectAsync(relay.ValidToken("b1"))).Socket!;
        await AssertHandshakeAsync(browser);

        using var call = await StartPhoneCallAsync(relay);
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(((WebSocketCloseStatus)1013, "all voice backends busy"), (call.CloseStatus, call.CloseReason));
        Assert.Single(model.Queries);
        await WaitForLogAsync(relay, "bridge call ended");
        Assert.Contains(relay.Logs, l => l.Contains("bridge call ended", StringComparison.Ordinal) && l.Contains("reason=backends-busy", StringComparison.Ordinal));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_bridge_ends_total", "reason=\"backends-busy\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_wait_seconds_count", "backend=\"none\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_busy", Label(Chat(model)))); // the browser's slot only
    }

    [Fact]
    public async Task A_browser_call_queues_while_a_phone_call_holds_the_backend()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await StartRelayAsync([Chat(model)], ("QueueSeconds", "60"));
        using var call = await StartPhoneCallAsync(relay);
        await WaitForLogAsync(relay, "bridge handshake");
        Assert.Equal(1, await relay.MetricAsync(HandshakeCount, Label(Chat(model))));

        var queued = relay.ConnectAsync(relay.ValidToken("b1"));
        await relay.WaitForQueuedCallAsync();
        Assert.False(queued.IsCompleted);
        Assert.Single(model.Queries);

        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        using var browser = (await queued).Socket!;
        await AssertHandshakeAsync(browser);
        Assert.Equal(2, model.Queries.Count);
        Assert.Equal(2, await relay.MetricAsync(HandshakeCount, Label(Chat(model))));
    }

    [Fact]
    public async Task A_down_backend_is_skipped_for_a_phone_call()
    {
        var dead = RelayUnderTest.DeadUpstream();
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await StartRelayAsync([dead, Chat(model)], ("QueueSeconds", "60"), ("ProbeSeconds", "300"));
        using var call = await StartPhoneCallAsync(relay);
        await WaitForLogAsync(relay, "bridge handshake");
        Assert.Equal(["?text_prompt=Hello&voice_prompt=NATF2.pt"], model.Queries.ToArray());
        Assert.Contains(relay.Logs, l => l.Contains("bridge backend session=", StringComparison.Ordinal) && l.Contains($"backend={Chat(model)} ", StringComparison.Ordinal));
        Assert.Equal(0, await relay.MetricAsync("voice_edge_backend_up", Label(dead)));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_connect_failures_total", Label(dead)));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_busy", Label(Chat(model))));
        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("own", true)]
    [InlineData("other", false)]
    public async Task A_self_signed_backend_is_reached_by_a_phone_call_only_with_its_pin(string? pin, bool reached)
    {
        using var cert = TlsBackend.SelfSigned("personaplex.test");
        using var other = TlsBackend.SelfSigned("personaplex.test");
        var (app, url) = await TlsBackend.StartAsync(cert, [0x00], WebSocketMessageType.Binary);
        await using (app)
        {
            var settings = new List<(string, string)> { ("QueueSeconds", "60") };
            if (pin is not null) settings.Add(("Backends:0:CertificateSha256", Convert.ToHexString(SHA256.HashData((pin == "own" ? cert : other).RawData))));
            await using var relay = await StartRelayAsync([url], [.. settings]);
            using var call = await StartPhoneCallAsync(relay);
            if (reached)
            {
                await WaitForLogAsync(relay, "bridge handshake");
                await call.SendStopAsync();
                await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
            }
            else
            {
                await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(WebSocketCloseStatus.InternalServerError, call.CloseStatus);
                Assert.StartsWith("voice backend unavailable", call.CloseReason, StringComparison.Ordinal);
                Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_connect_failures_total", Label(url)));
            }
        }
    }
}
