using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VoiceEdge.Relay.Tests.Support;
using Xunit.Abstractions;

namespace VoiceEdge.Relay.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountingTests
{
    /// <summary>Tests that count the process's open descriptors: run alone, after the parallel tests.</summary>
    public const string Name = "descriptor counting";
}

/// <summary>
/// Clients that misbehave at every stage (reset at once, half a request, half-closed calls, responses never read,
/// calls reset mid-frame) must leave nothing behind: the open-call gauge back to zero, the epoll loops watching only
/// what they watched before, and the process's descriptors back to their count before the churn.
/// </summary>
[Collection(DescriptorCountingTests.Name)]
public class ConnectionChurnTests(ITestOutputHelper output)
{
    private const int Rounds = 25;

    [Theory]
    [InlineData("Epoll", 1)]
    [InlineData("Epoll", 2)]
    [InlineData("Sockets", 1)]
    public async Task Misbehaving_clients_leave_no_descriptor_behind(string transport, int loops)
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("Transport", transport),
            ("EpollThreads", loops.ToString(CultureInfo.InvariantCulture)), ("UpstreamConnectTimeoutSeconds", "30"));
        // One round first: whatever the process creates once, on first use of a path, is in the baseline.
        await WholeCallAsync(relay, "warm-up");
        await MisbehaveAsync(relay, -1);
        await Settle(relay);
        var baselineFds = OpenDescriptors();
        var baselineWatched = await relay.MetricAsync("voice_edge_epoll_sockets", "");

        for (var round = 0; round < Rounds; round++) await MisbehaveAsync(relay, round);

        var fds = 0;
        var watched = 0.0;
        for (var i = 0; i < 150; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            fds = OpenDescriptors();
            watched = await relay.MetricAsync("voice_edge_epoll_sockets", "");
            if (fds <= baselineFds && watched <= baselineWatched && await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") == 0) break;
            await Task.Delay(100);
        }
        output.WriteLine($"{transport} x{loops}: {Rounds * 5} misbehaving connections; descriptors {baselineFds} before, {fds} after; epoll sockets {baselineWatched} before, {watched} after");
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\""));
        Assert.True(watched <= baselineWatched, $"the loops watch {watched} sockets, {baselineWatched} before the churn");
        Assert.True(fds <= baselineFds, $"{fds} descriptors open, {baselineFds} before the churn");
        await WholeCallAsync(relay, "after");
        // A peer that leaves is no error of the relay's (Kestrel logs those at Debug).
        Assert.Empty(relay.Errors);
    }

    private static async Task MisbehaveAsync(RelayUnderTest relay, int round)
    {
        await ResetAtOnceAsync(relay);
        await HalfRequestAsync(relay, reset: round % 2 == 0);
        await HalfClosedCallAsync(relay, $"half{round}");
        await UnreadResponsesAsync(relay);
        await ResetMidFrameAsync(relay, $"mid{round}");
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    private static async Task Settle(RelayUnderTest relay)
    {
        for (var i = 0; i < 100 && await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") > 0; i++) await Task.Delay(20);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await Task.Delay(200);
    }

    private static async Task WholeCallAsync(RelayUnderTest relay, string session)
    {
        using var ws = (await relay.ConnectAsync(relay.ValidToken(session))).Socket!;
        Assert.Contains("/api/chat", await ws.ReceiveTextAsync(), StringComparison.Ordinal); // the echo's hello
        await ws.SendTextAsync("ping");
        Assert.Equal("ping", await ws.ReceiveTextAsync());
        await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    private static Socket Connect(RelayUnderTest relay)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(IPAddress.Loopback, relay.BaseUri.Port);
        return socket;
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    private static string Upgrade(RelayUnderTest relay, string token) =>
        $"GET /api/chat HTTP/1.1\r\nHost: 127.0.0.1:{relay.BaseUri.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Voice-Edge-Auth: {token}\r\n\r\n";

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, timeout.Token) == 1) head.Append((char)one[0]);
        return head.ToString();
    }

    private static Task ResetAtOnceAsync(RelayUnderTest relay)
    {
        Reset(Connect(relay));
        return Task.CompletedTask;
    }

    private static async Task HalfRequestAsync(RelayUnderTest relay, bool reset)
    {
        var socket = Connect(relay);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webs"));
        if (reset)
        {
            Reset(socket);
            return;
        }
        socket.Shutdown(SocketShutdown.Send);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await socket.ReceiveAsync(buffer, timeout.Token) > 0) { }
        socket.Dispose();
    }

    private static async Task HalfClosedCallAsync(RelayUnderTest relay, string session)
    {
        using var socket = Connect(relay);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Upgrade(relay, relay.ValidToken(session))));
        Assert.StartsWith("HTTP/1.1 101", await ReadHeadAsync(socket), StringComparison.Ordinal);
        await socket.SendAsync(RawFrames.Build(RawFrames.Text, "then my side ends"u8));
        socket.Shutdown(SocketShutdown.Send);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await socket.ReceiveAsync(buffer, timeout.Token) > 0) { }
    }

    private static async Task UnreadResponsesAsync(RelayUnderTest relay)
    {
        var socket = Connect(relay);
        var request = $"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:{relay.BaseUri.Port}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(request, 8))));
        await Task.Delay(5);
        socket.Dispose(); // unread responses in the receive queue: the close is a reset
    }

    private static async Task ResetMidFrameAsync(RelayUnderTest relay, string session)
    {
        var socket = Connect(relay);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Upgrade(relay, relay.ValidToken(session))));
        Assert.StartsWith("HTTP/1.1 101", await ReadHeadAsync(socket), StringComparison.Ordinal);
        var frame = RawFrames.Build(RawFrames.Binary, new byte[20_000]);
        await socket.SendAsync(frame.AsMemory(0, frame.Length / 2));
        Reset(socket);
    }
}
