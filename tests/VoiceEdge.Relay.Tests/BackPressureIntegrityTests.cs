using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VoiceEdge.Relay.Tests.Support;
using Xunit.Abstractions;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The relay end to end under back-pressure: many calls at once, each sending numbered messages both ways while both
/// ends read slowly through small receive buffers, so the relay's writes wait on full sockets in both directions. Every
/// byte of every message is checked at the far end (content and order), on both transports and on one and two event
/// loops; the relay must still serve afterwards, and nothing may be logged as an error. The relay's send buffers are
/// 8 KiB (<c>SocketSendBufferBytes</c>), else the kernel would absorb each call whole and no write would ever wait.
/// </summary>
public class BackPressureIntegrityTests(ITestOutputHelper output)
{
    private const int Calls = 12;
    private const int Messages = 64;

    [Theory]
    [InlineData("Epoll", 1)]
    [InlineData("Epoll", 2)]
    [InlineData("Sockets", 1)]
    public async Task Every_message_arrives_whole_and_in_order_when_both_ends_read_slowly(string transport, int loops)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Server.ReceiveBufferSize = PatternPeer.ReceiveBufferBytes;
        listener.Start();
        var upstreamUri = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/api/chat");
        await using var relay = await RelayUnderTest.StartAsync(upstreamUri, null, ("UpstreamConnectTimeoutSeconds", "60"), ("SocketSendBufferBytes", "8192"),
            ("Transport", transport), ("EpollThreads", loops.ToString(CultureInfo.InvariantCulture)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = timeout.Token;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var upstreamSides = Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => Task.Run(async () =>
        {
            await using var upstream = await PatternPeer.AcceptAsync(listener, ct);
            var call = await upstream.ReadCallIdAsync(ct);
            var sending = upstream.SendPatternAsync(call, fromClient: false, Messages, ct);
            var problem = await upstream.ReceiveAndCheckAsync(call, fromClient: true, Messages, ct);
            await sending;
            if (problem is null) await upstream.AnswerCloseAsync(ct);
            return problem;
        }, ct)));
        var clientSides = Task.WhenAll(Enumerable.Range(0, Calls).Select(call => Task.Run(async () =>
        {
            await using var client = await PatternPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken($"bp{call}"))]);
            await client.SendCallIdAsync(call, ct);
            var sending = client.SendPatternAsync(call, fromClient: true, Messages, ct);
            var problem = await client.ReceiveAndCheckAsync(call, fromClient: false, Messages, ct);
            await sending;
            if (problem is null) await client.CloseAsync(ct);
            return problem;
        }, ct)));

        var problems = (await clientSides).Concat(await upstreamSides).Where(p => p is not null).ToList();
        var perDirection = Enumerable.Range(0, Calls).Sum(c => Enumerable.Range(0, Messages).Sum(m => (long)PatternPeer.LengthOf(c, true, m)));
        var waits = await relay.MetricAsync("voice_edge_epoll_write_waits_total", "");
        output.WriteLine($"{transport} x{loops}: {Calls} calls, {Calls * Messages * 2} messages, ~{perDirection * 2 / 1_000_000} MB checked in " +
            $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s; relay writes that waited on a full socket: {waits}");

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        if (transport == "Epoll") Assert.True(waits > 0, "no write waited on a full socket: the test did not put the relay under back-pressure");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await relay.Http.GetAsync("/health/live")).StatusCode);
        await WaitUntilAsync(async () => await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") == 0);
        Assert.Empty(relay.Errors);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 500; i++)
        {
            if (await condition()) return;
            await Task.Delay(20);
        }
        Assert.Fail("the condition never held within 10 s");
    }
}
