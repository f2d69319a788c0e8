using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VoiceEdge.Relay.Transport;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The epoll socket and loop where they used to break (issue 27): urgent data, HUP before connect, descriptors the loop
/// cannot watch, exceptions and epoll_wait failures on the loop, cancelled writes, results never collected, and which
/// thread a waiting operation's continuation runs on.
/// </summary>
public class EpollSocketEdgeTests
{
    private static async Task<(EpollLoops Loops, EpollSocket Socket, Socket Peer, TcpListener Listener)> PairAsync(Action<Exception>? onFatal = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var loops = new EpollLoops(1, onFatal);
        var accepting = listener.AcceptSocketAsync();
        var socket = await EpollSocket.ConnectAsync(loops.Next(), (IPEndPoint)listener.LocalEndpoint, CancellationToken.None);
        return (loops, socket, await accepting, listener);
    }

    private static async Task<byte[]> ReadAtLeastAsync(EpollSocket socket, int count)
    {
        var received = new List<byte>();
        var buffer = new byte[64];
        while (received.Count < count)
        {
            var n = await socket.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            if (n == 0) break;
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        return [.. received];
    }

    [Fact]
    public async Task Urgent_data_neither_stalls_the_bytes_behind_it_nor_reaches_the_reader()
    {
        // recv stops at the urgent mark; taking that short read as "drained" left "after" waiting for the peer's next byte.
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        peer.Send("before!"u8.ToArray(), SocketFlags.OutOfBand); // "!" is the urgent byte
        peer.Send("after"u8.ToArray());
        await Task.Delay(100);
        var received = await ReadAtLeastAsync(socket, "beforeafter".Length);
        Assert.Equal("beforeafter", System.Text.Encoding.ASCII.GetString(received));
        socket.Dispose();
        listener.Stop();
    }

    [Fact]
    public async Task A_connected_socket_is_never_marked_as_ended_by_its_peer()
    {
        // Registered before connect(), an unconnected socket reported HUP and was taken for a peer that had left.
        using var loops = new EpollLoops(1);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var sockets = new List<EpollSocket>();
        var peers = new List<Socket>();
        for (var i = 0; i < 32; i++)
        {
            var accepting = listener.AcceptSocketAsync();
            sockets.Add(await EpollSocket.ConnectAsync(loops.Next(), (IPEndPoint)listener.LocalEndpoint, CancellationToken.None));
            peers.Add(await accepting);
        }
        await Task.Delay(100);
        // Every peer is still there: none of the sockets may believe otherwise.
        Assert.Equal(0, sockets.Count(s => s.PeerDone));
        foreach (var p in peers) p.Dispose();
        foreach (var s in sockets) s.Dispose();
    }

    [Fact]
    public void A_descriptor_the_loop_cannot_watch_is_closed_not_leaked()
    {
        using var loops = new EpollLoops(1);
        var path = Path.GetTempFileName();
        try
        {
            // epoll refuses regular files (EPERM), as it refuses any descriptor when out of watches (ENOSPC).
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            var fd = (int)handle.DangerousGetHandle();
            handle.SetHandleAsInvalid();
            var error = Assert.Throws<EpollRegistrationException>(() => EpollSocket.Adopt(loops.Next(), fd));
            Assert.Contains("epoll_ctl", error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists($"/proc/self/fd/{fd}") && IsSameFile(fd, path), $"descriptor {fd} is still open");
            Assert.Equal(0, loops.Sockets);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool IsSameFile(int fd, string path)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget == path;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_exception_on_the_loop_thread_reaches_the_fatal_handler()
    {
        var fatal = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (loops, socket, peer, listener) = await PairAsync(e => fatal.TrySetResult(e));
        using var _ = peer;
        socket.ContinueOnLoop = true;
        ThrowOnTheLoopWhenRead(socket);
        await peer.SendAsync("x"u8.ToArray());
        var error = await fatal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a bug on the loop", error.Message);
        socket.Dispose();
        loops.Dispose();
        listener.Stop();
    }

    /// <summary>A continuation that throws inline on the loop's thread, as a bug in the forwarder would. ConfigureAwait(false):
    /// the test framework's synchronization context must not take the continuation off the loop.</summary>
    private static void ThrowOnTheLoopWhenRead(EpollSocket socket)
    {
#pragma warning disable CA2012 // on purpose: a continuation that is not an await
        socket.ReadAsync(new byte[16]).ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => throw new InvalidOperationException("a bug on the loop"));
#pragma warning restore CA2012
    }

    [Fact]
    public async Task A_failing_epoll_wait_reaches_the_fatal_handler()
    {
        var fatal = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = new EpollLoop("test loop", e => fatal.TrySetResult(e));
        // Replace the epoll descriptor with one that is not an epoll instance: the next epoll_wait says EINVAL.
        var fd = loop.EpollFd;
        using (var other = File.OpenHandle("/dev/null"))
        {
            Assert.Equal(fd, LinuxSocketsTestAccess.Dup2((int)other.DangerousGetHandle(), fd));
        }
        LinuxSockets.Signal(LinuxSocketsTestAccess.WakeFdOf(loop));
        var error = await fatal.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("epoll_wait", error.Message, StringComparison.Ordinal);
        loop.Dispose();
    }

    [Fact]
    public async Task A_cancelled_write_ends_the_connection_and_says_so()
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        LinuxSockets.SetSendBuffer(socket.Fd, 4096);
        await using var stream = new EpollSocketStream(socket, ownsSocket: true);
        using var cancel = new CancellationTokenSource();
        ValueTask write;
        var chunk = new byte[64 * 1024];
        while ((write = stream.WriteAsync(chunk, cancel.Token)).IsCompleted) await write;
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        // Part of the chunk may be on the wire: nothing may follow it on this connection.
        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[1]).AsTask());
        listener.Stop();
    }

    [Fact]
    public async Task A_result_never_collected_is_refused_as_a_bug_before_the_next_write()
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        LinuxSockets.SetSendBuffer(socket.Fd, 4096);
        var chunk = new byte[64 * 1024];
        ValueTask write;
        while ((write = socket.WriteAsync(chunk)).IsCompleted) await write;
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            while (await peer.ReceiveAsync(buffer) > 0) { }
        });
        await Task.Run(() => SpinWait.SpinUntil(() => write.IsCompleted, TimeSpan.FromSeconds(10)));
        Assert.True(write.IsCompletedSuccessfully);
        // Looked at, never collected: the next write must not reuse the operation as if it were free.
#pragma warning disable CA2012 // on purpose: the misuse under test
        var error = Assert.Throws<SocketMisuseException>(() => { socket.WriteAsync(chunk).Preserve(); });
#pragma warning restore CA2012
        Assert.Contains("never collected", error.Message, StringComparison.Ordinal);
        await write;
        await socket.WriteAsync(new byte[1]);
        socket.Dispose();
        await drain.WaitAsync(TimeSpan.FromSeconds(10));
        listener.Stop();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_waiting_read_continues_on_the_loop_only_while_forwarding(bool continueOnLoop)
    {
        var (loops, socket, peer, listener) = await PairAsync();
        using var _ = loops;
        using var __ = peer;
        socket.ContinueOnLoop = continueOnLoop;
        var thread = ReadThenNameThreadAsync(socket);
        await Task.Delay(50);
        await peer.SendAsync("x"u8.ToArray());
        var name = await thread.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(continueOnLoop, name?.StartsWith("voice-edge epoll", StringComparison.Ordinal) == true);
        socket.Dispose();
        listener.Stop();
    }

    private static async Task<string?> ReadThenNameThreadAsync(EpollSocket socket)
    {
        await socket.ReadAsync(new byte[16]).ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }
}

/// <summary>Reaches into the loop for the one test that breaks it on purpose.</summary>
internal static class LinuxSocketsTestAccess
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    public static extern int dup2(int oldFd, int newFd);

    public static int Dup2(int oldFd, int newFd) => dup2(oldFd, newFd);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_wakeFd")]
    private static extern ref int WakeFd(EpollLoop loop);

    public static int WakeFdOf(EpollLoop loop) => WakeFd(loop);
}
