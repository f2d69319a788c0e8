using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Transport;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The epoll transport (relay/Transport): its socket against real loopback peers (backpressure, cancellation, abort,
/// refused connects), and the relay on it and on Kestrel's socket transport, including the take-over of a socket
/// whose client sent frames before it saw the 101.
/// </summary>
public class EpollTransportTests
{
    private static async Task<(EpollLoops Loops, EpollSocket Socket, Socket Peer, TcpListener Listener)> PairAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var loops = new EpollLoops(1);
        var accepting = listener.AcceptSocketAsync();
        var socket = await EpollSocket.ConnectAsync(loops.Next(), (IPEndPoint)listener.LocalEndpoint, CancellationToken.None);
        return (loops, socket, await accepting, listener);
    }

    [Fact]
    public async Task A_write_larger_than_the_socket_buffers_waits_for_the_reader_and_arrives_whole()
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
        var write = socket.WriteAsync(data).AsTask();
        await Task.Delay(200);
        Assert.False(write.IsCompleted, "16 MiB cannot fit the loopback buffers while nobody reads");
        var received = new byte[data.Length];
        var have = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (have < received.Length) have += await peer.ReceiveAsync(received.AsMemory(have), timeout.Token);
        await write.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        socket.Dispose();
        listener.Stop();
    }

    [Fact]
    public async Task A_cancelled_read_loses_nothing_and_the_next_read_gets_the_bytes()
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        var buffer = new byte[64];
        using (var cancel = new CancellationTokenSource())
        {
            var read = socket.ReadAsync(buffer, cancel.Token).AsTask();
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        }
        await peer.SendAsync("after the cancel"u8.ToArray());
        var n = await socket.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("after the cancel", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await socket.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        socket.Dispose();
        listener.Stop();
    }

    [Fact]
    public async Task The_end_of_stream_that_came_with_the_last_bytes_is_still_read()
    {
        // Data and FIN in one edge: the short read of the data must not make the next read wait for an edge that never comes.
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        await peer.SendAsync("last words"u8.ToArray());
        peer.Shutdown(SocketShutdown.Send);
        await Task.Delay(200);
        var buffer = new byte[4096];
        Assert.Equal(10, await socket.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await socket.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        socket.Dispose();
        listener.Stop();
    }

    [Fact]
    public async Task Abort_fails_a_waiting_read_and_every_later_operation()
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        var read = socket.ReadAsync(new byte[16]).AsTask();
        socket.Abort();
        await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<IOException>(() => socket.WriteAsync(new byte[1]).AsTask());
        Assert.Equal(0, await peer.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(10)));
        socket.Dispose();
        listener.Stop();
    }

    [Fact]
    public async Task A_connect_to_a_port_nobody_listens_on_fails_with_an_IOException()
    {
        using var loops = new EpollLoops(1);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = (IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        var error = await Assert.ThrowsAsync<IOException>(() => EpollSocket.ConnectAsync(loops.Next(), closed, CancellationToken.None).AsTask());
        Assert.Contains("connect", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, loops.Sockets);
    }

    [Theory]
    [InlineData("Epoll", 1)]
    [InlineData("Epoll", 2)]
    [InlineData("Sockets", 1)]
    public async Task Frames_a_client_sends_behind_its_upgrade_request_reach_the_upstream_intact(string transport, int threads)
    {
        using var listener = new RawFrameUpstream();
        await using var relay = await RelayUnderTest.StartAsync(listener.ChatUri, null, ("Transport", transport), ("EpollThreads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var eager = RawFrames.Concat(RawFrames.Build(RawFrames.Text, "sent before the 101"u8), RawFrames.Build(RawFrames.Binary, new byte[3000]));
        var accepting = listener.AcceptAsync();
        await using var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())], eager);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        await using var upstream = await accepting;
        Assert.Equal(eager, await upstream.ReadBytesAsync(eager.Length));
        var reply = RawFrames.Build(RawFrames.Text, "and back"u8, mask: false);
        await upstream.SendAsync(reply);
        Assert.Equal(reply, await client.ReadBytesAsync(reply.Length));
    }

    [Fact]
    public async Task What_Kestrel_wrote_before_closing_goes_out_before_the_socket_shuts()
    {
        // The peer reads nothing until the socket is full and the transport holds a write back; then Kestrel ends the
        // connection (completes its output, disposes). The held-back bytes must still go out once the peer reads.
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        var connection = EpollConnection.Start(socket);
        using var written = new MemoryStream();
        var chunk = new byte[16 * 1024];
        for (var i = 0; !socket.WriteWaiting; i++)
        {
            Assert.True(i < 100_000, "the socket never filled");
            RandomNumberGenerator.Fill(chunk);
            written.Write(chunk);
            await connection.Transport.Output.WriteAsync(chunk);
        }
        await connection.Transport.Output.CompleteAsync();
        var disposing = connection.DisposeAsync().AsTask();
        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int n;
        while ((n = await peer.ReceiveAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, n);
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(written.Length, received.Length);
        Assert.Equal(SHA256.HashData(written.ToArray()), SHA256.HashData(received.ToArray()));
        listener.Stop();
    }

    [Fact]
    public async Task An_unknown_transport_is_refused_at_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RelayUnderTest.StartAsync(new Uri("ws://127.0.0.1:9/api/chat"), null, ("Transport", "io_uring")));
        Assert.Contains("Relay:Transport must be Epoll or Sockets", string.Join('\n', error.Failures));
    }
}
