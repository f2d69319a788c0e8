using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// Browser calls (/api/chat, the frame forwarder) to a pooled PersonaPlex that answers 101 and then drops the connection
/// before its 0x00 handshake: the backend failure the phone bridge reports (same log line and metric label), and a
/// backend that does it <c>HandshakeDropLimit</c> times in a row marked down. The call itself is not moved: the client
/// already has its 101.
/// </summary>
public class ChatHandshakeDropTests
{
    private static Uri Chat(StandInPersonaPlex model) => new($"ws://127.0.0.1:{model.BaseUri.Port}/api/chat");

    private static string Label(StandInPersonaPlex model) => $"backend=\"{Chat(model)}\"";

    private static Task<RelayUnderTest> StartRelayAsync(StandInPersonaPlex model) =>
        RelayUnderTest.StartAsync(model.ChatUri, null,
            ("Backends:0:Url", Chat(model).ToString()), ("Backends:0:DefaultQuery:voice_prompt", "NATF2.pt"), ("Backends:0:DefaultQuery:text_prompt", "Hello"),
            ("HandshakeDropLimit", "2"), ("ProbeSeconds", "300"));

    private static async Task WaitForLogAsync(RelayUnderTest relay, string text, int count = 1)
    {
        for (var i = 0; i < 1500 && relay.Logs.Count(l => l.Contains(text, StringComparison.Ordinal)) < count; i++) await Task.Delay(20);
    }

    [Fact]
    public async Task A_browser_call_dropped_before_the_handshake_is_a_backend_failure_and_two_in_a_row_mark_it_down()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.Voices = new HashSet<string>(["NATM0.pt"]); // the configured NATF2.pt is missing: 101, then dropped
        await using var relay = await StartRelayAsync(model);

        for (var n = 1; n <= 2; n++)
        {
            var (ws, _) = await relay.ConnectAsync(relay.ValidToken($"s{n}"));
            using var socket = ws!;
            var buffer = new byte[1024];
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
            Assert.Equal(WebSocketCloseStatus.InternalServerError, socket.CloseStatus);
            await WaitForLogAsync(relay, "failed a call reason=dropped-before-handshake", n);
        }

        Assert.Equal(2, model.Drops.Count);
        Assert.True(await relay.LoggedAsync(l => l.Contains($"voice backend {Chat(model)} failed a call reason=dropped-before-handshake inARow=1", StringComparison.Ordinal)), "log line missing");
        Assert.True(await relay.LoggedAsync(l => l.Contains($"voice backend {Chat(model)} failed a call reason=dropped-before-handshake inARow=2", StringComparison.Ordinal)), "log line missing");
        Assert.Equal(2, await relay.MetricAsync("voice_edge_backend_failures_total", $"{Label(model)},reason=\"dropped-before-handshake\""));
        Assert.Equal(0, await relay.MetricAsync("voice_edge_backend_up", Label(model)));
        Assert.True(await relay.LoggedAsync(l => l.Contains($"voice backend {Chat(model)} marked down for 60 s: it dropped 2 calls in a row", StringComparison.Ordinal)), "log line missing");
    }

    [Fact]
    public async Task A_browser_call_that_got_its_handshake_and_ends_is_no_failure()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.Zero;
        model.Behaviour = StandInBehaviour.Close; // 0x00, then the backend closes (1000)
        await using var relay = await StartRelayAsync(model);

        var (ws, _) = await relay.ConnectAsync(relay.ValidToken("s1"));
        using var socket = ws!;
        var (type, data) = await socket.ReceiveMessageAsync();
        Assert.Equal((WebSocketMessageType.Binary, (byte)0x00), (type, data[0]));
        var buffer = new byte[1024];
        while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close) { }
        await WaitForLogAsync(relay, "call ended ");

        Assert.Equal(0, await relay.MetricAsync("voice_edge_backend_failures_total", $"{Label(model)},reason=\"dropped-before-handshake\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_backend_up", Label(model)));
    }
}
