using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The backend pool on loopback with stand-in PersonaPlex servers (kind-byte protocol, handshake after a delay), each
/// configured with Capacity 1 as PersonaPlex serves one conversation at a time.
/// </summary>
public class PoolTests
{
    private static (string, string)[] Pool(IEnumerable<Uri> backends, params (string, string)[] more)
    {
        var settings = new List<(string, string)>();
        var i = 0;
        foreach (var url in backends)
        {
            settings.Add(($"Backends:{i}:Url", $"ws://127.0.0.1:{url.Port}/api/chat"));
            settings.Add(($"Backends:{i}:Capacity", "1"));
            settings.Add(($"Backends:{i}:DefaultQuery:voice_prompt", "NATF2.pt"));
            settings.Add(($"Backends:{i}:DefaultQuery:text_prompt", "Hello"));
            i++;
        }
        settings.AddRange(more);
        return [.. settings];
    }

    /// <summary>Reads the stand-in's 0x00 handshake: the call reached a backend.</summary>
    private static async Task AssertHandshakeAsync(ClientWebSocket ws)
    {
        var (type, data) = await ws.ReceiveMessageAsync();
        Assert.Equal((WebSocketMessageType.Binary, (byte)0x00), (type, data[0]));
    }

    [Fact]
    public async Task Two_backends_of_capacity_one_serve_two_calls_and_the_third_waits_then_closes_1013()
    {
        await using var a = await StandInPersonaPlex.StartAsync();
        await using var b = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(a.ChatUri, null, Pool([a.BaseUri, b.BaseUri], ("QueueSeconds", "1")));

        using var first = (await relay.ConnectAsync(relay.ValidToken("s1"))).Socket!;
        await AssertHandshakeAsync(first);
        using var second = (await relay.ConnectAsync(relay.ValidToken("s2"))).Socket!;
        await AssertHandshakeAsync(second);
        Assert.Equal((1, 1), (a.Queries.Count, b.Queries.Count)); // one call each, not two on one

        var (third, status) = await relay.ConnectAsync(relay.ValidToken("s3"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using (third)
        {
            Assert.Equal(((WebSocketCloseStatus)1013, "all voice backends busy"), await third!.ReceiveCloseAsync());
        }
        Assert.Equal((1, 1), (a.Queries.Count, b.Queries.Count));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_busy", $"backend=\"ws://127.0.0.1:{a.BaseUri.Port}/api/chat\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_wait_seconds_count", "backend=\"none\""));

        // A slot freed is taken by the next call.
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        using var fourth = (await relay.ConnectAsync(relay.ValidToken("s4"))).Socket!;
        await AssertHandshakeAsync(fourth);
        Assert.Equal(3, a.Queries.Count + b.Queries.Count);
    }

    [Fact]
    public async Task A_queued_call_gets_the_slot_a_finished_call_frees()
    {
        await using var a = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(a.ChatUri, null, Pool([a.BaseUri], ("QueueSeconds", "30")));
        var first = (await relay.ConnectAsync(relay.ValidToken("s1"))).Socket!;
        await AssertHandshakeAsync(first);
        var queued = relay.ConnectAsync(relay.ValidToken("s2"));
        await relay.WaitForQueuedCallAsync();
        Assert.False(queued.IsCompleted);
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        first.Dispose();
        using var second = (await queued).Socket!;
        await AssertHandshakeAsync(second);
        Assert.Equal(2, a.Queries.Count);
    }

    [Fact]
    public async Task A_full_queue_is_refused_503_before_the_upgrade()
    {
        await using var a = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(a.ChatUri, null, Pool([a.BaseUri], ("QueueLength", "0")));
        using var first = (await relay.ConnectAsync(relay.ValidToken("s1"))).Socket!;
        await AssertHandshakeAsync(first);
        var (second, status) = await relay.ConnectAsync(relay.ValidToken("s2"));
        Assert.Null(second);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"backends-busy\""));
    }

    [Fact]
    public async Task A_down_backend_is_skipped_probed_and_used_again_when_it_is_back()
    {
        var gone = await StandInPersonaPlex.StartAsync();
        var port = gone.BaseUri.Port;
        await gone.DisposeAsync();
        await using var b = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(b.ChatUri, null,
            Pool([new Uri($"http://127.0.0.1:{port}"), b.BaseUri], ("QueueSeconds", "20"), ("ProbeSeconds", "1")));
        var downLabel = $"backend=\"ws://127.0.0.1:{port}/api/chat\"";

        // The first backend refuses the connection: the call is served by the second, and the first is marked down.
        using var first = (await relay.ConnectAsync(relay.ValidToken("s1"))).Socket!;
        await AssertHandshakeAsync(first);
        Assert.Single(b.Queries);
        Assert.Equal(0, await relay.MetricAsync("voice_edge_backend_up", downLabel));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_connect_failures_total", downLabel));

        // The second backend is busy and the first down: the next call waits, and gets the first once a probe finds it back.
        var queued = relay.ConnectAsync(relay.ValidToken("s2"));
        await relay.WaitForQueuedCallAsync();
        await using var back = await StandInPersonaPlex.StartAsync(port);
        using var second = (await queued).Socket!;
        await AssertHandshakeAsync(second);
        Assert.Single(back.Queries);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_up", downLabel));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_connect_failures_total", downLabel));
    }

    [Fact]
    public async Task With_every_backend_down_a_call_closes_1011_at_once()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null,
            Pool([RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream()], ("QueueSeconds", "60")));
        for (var i = 0; i < 2; i++)
        {
            using var ws = (await relay.ConnectAsync(relay.ValidToken($"s{i}"))).Socket!;
            Assert.Equal((WebSocketCloseStatus.InternalServerError, "voice backend unavailable"), await ws.ReceiveCloseAsync());
        }
    }

    [Theory]
    [InlineData("Backends:0:Url", "http://127.0.0.1:1/api/chat", "Relay:Backends:0:Url must be an absolute ws:// or wss:// URL")]
    [InlineData("Backends:0:Capacity", "0", "Relay:Backends:0:Capacity must be 1 to 100000")]
    [InlineData("Backends:0:CertificateSha256", "abc", "Relay:Backends:0:CertificateSha256 is only for wss:// backends")]
    public async Task A_bad_backend_setting_stops_the_relay_naming_the_setting(string key, string value, string message)
    {
        var settings = new List<(string, string)> { ("Backends:0:Url", "ws://127.0.0.1:1/api/chat"), (key, value) };
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, [.. settings]));
        Assert.Contains(e.Failures, f => f.Contains(message, StringComparison.Ordinal));
    }
}
