using System.Net;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// A connected, non-blocking TCP socket watched by an <see cref="EpollLoop"/> (listeners: <see cref="EpollListener"/>): at most one read and one write (or
/// connect) at a time, each completed at once when the socket is ready and otherwise parked until its event, without
/// allocating. Readiness is remembered from the edge-triggered events: a read that fills less than its buffer has
/// drained the socket, so the next read waits for the next event instead of trying a recv that would say EAGAIN.
/// Safe to use from any thread. A waiting operation's continuation runs on the thread pool, except while
/// <see cref="ContinueOnLoop"/> is on (the frame forwarder): then inline on the loop's thread, so a frame goes from one
/// socket to the other with no thread hop. Each operation's result must be collected exactly once (awaited, or
/// <c>GetResult</c>) before the next of its kind starts; otherwise <see cref="SocketMisuseException"/>.
/// </summary>
public sealed class EpollSocket : IEpollWatched, IDisposable
{
    private readonly Lock _lock = new();
    private readonly EpollLoop _loop;
    private readonly ulong _id;
    private readonly EpollOperation _read = new();
    private readonly EpollOperation _write = new();
    private bool _readable = true, _writable = true, _connecting, _closed, _aborted;
    // The peer ended its side or the connection failed: no further edge will come, so reads never wait again.
    private bool _peerDone;
    // TCP urgent data arrived (EPOLLPRI): a recv stops short at its mark with more data behind it, so a short read does
    // not prove the socket drained until a recv says EAGAIN.
    private bool _urgent;
    private volatile bool _continueOnLoop;
    private Memory<byte> _readBuffer;
    private ReadOnlyMemory<byte> _writeRemaining;

    internal int Fd { get; }

    int IEpollWatched.Fd => Fd;

    void IEpollWatched.OnEvents(uint events) => OnEvents(events);

    /// <summary>A write is parked waiting for room in the socket's buffer (for tests).</summary>
    internal bool WriteWaiting
    {
        get
        {
            lock (_lock) return _write.Pending;
        }
    }

    /// <summary>The peer ended its side or the connection failed, as far as the loop has seen (for tests).</summary>
    internal bool PeerDone
    {
        get
        {
            lock (_lock) return _peerDone;
        }
    }

    /// <summary>
    /// Whether a waiting read's or write's continuation runs inline on the loop's thread (the frame forwarder, one recv
    /// and one send per frame) instead of on the thread pool (everything else: HTTP, call set-up, TLS handshakes,
    /// logging, which must never stall the other sockets of the loop). Takes effect from the next operation.
    /// </summary>
    public bool ContinueOnLoop
    {
        get => _continueOnLoop;
        set => _continueOnLoop = value;
    }

    /// <summary>Registers <paramref name="fd"/> with the loop; on failure the descriptor is closed, never leaked.</summary>
    private EpollSocket(EpollLoop loop, int fd, bool connecting = false)
    {
        Fd = fd;
        _loop = loop;
        _connecting = connecting;
        _writable = !connecting;
        try
        {
            _id = loop.Register(this);
        }
        catch (IOException e)
        {
            LinuxSockets.Close(fd);
            throw new EpollRegistrationException(e.Message, e);
        }
    }

    /// <summary>Takes ownership of a connected or listening descriptor (non-blocking); closes it if the loop cannot watch it.</summary>
    internal static EpollSocket Adopt(EpollLoop loop, int fd) => new(loop, fd);

    public IPEndPoint? LocalEndPoint => LinuxSockets.LocalEndPoint(Fd);

    public IPEndPoint? RemoteEndPoint => LinuxSockets.RemoteEndPoint(Fd);

    /// <summary>
    /// A TCP connection to <paramref name="endPoint"/> (Nagle off). The connect starts before the socket joins the loop:
    /// an unconnected socket reports HUP, which would mark a healthy connection as ended by its peer.
    /// </summary>
    /// <param name="sendBufferBytes">SO_SNDBUF; 0 = the kernel's autotuning.</param>
    public static async ValueTask<EpollSocket> ConnectAsync(EpollLoop loop, IPEndPoint endPoint, CancellationToken ct, int sendBufferBytes = 0)
    {
        var fd = LinuxSockets.Socket(endPoint.AddressFamily);
        bool connected;
        try
        {
            LinuxSockets.NoDelay(fd);
            if (sendBufferBytes > 0) LinuxSockets.SetSendBuffer(fd, sendBufferBytes);
            connected = LinuxSockets.Connect(fd, endPoint);
        }
        catch
        {
            LinuxSockets.Close(fd);
            throw;
        }
        var socket = new EpollSocket(loop, fd, connecting: !connected);
        try
        {
            ValueTask<int> wait;
            lock (socket._lock)
            {
                if (!socket._connecting) return socket;
                // The loop may have seen the connect finish between the registration and now.
                if (socket._writable && socket.ConnectFinishedLocked()) return socket;
                socket._writable = false;
                wait = socket.Park(socket._write, ct);
            }
            await wait;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads what is there (up to the buffer), waiting for data when there is none; 0 = the peer ended its side.
    /// An empty buffer waits until the socket is readable and returns 0.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (Gone() is { } gone) return ValueTask.FromException<int>(gone);
            _read.EnsureIdle("read");
            _readBuffer = buffer;
            try
            {
                if (_readable && TryReadLocked() is var n and >= 0) return new ValueTask<int>(n);
            }
            catch (IOException e)
            {
                return ValueTask.FromException<int>(e);
            }
            return Park(_read, ct);
        }
    }

    /// <summary>
    /// Sends all of <paramref name="data"/>, waiting for room in the socket's buffer when it is full. The caller must not
    /// touch <paramref name="data"/> until the returned task is collected. A write cancelled while waiting may have
    /// sent part of the data, so it aborts the connection: nothing sent after it could be framed correctly.
    /// </summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (Gone() is { } gone) return ValueTask.FromException(gone);
            _write.EnsureIdle("write");
            _writeRemaining = data;
            try
            {
                if (_writable && TryWriteLocked()) return ValueTask.CompletedTask;
            }
            catch (IOException e)
            {
                return ValueTask.FromException(e);
            }
            return TryPark(_write, ct) ? new ValueTask(_write, _write.Version) : ValueTask.FromCanceled(ct);
        }
    }

    /// <summary>
    /// Sends FIN after what was written (shutdown SHUT_WR): the peer reads the end of the stream at once, while this side
    /// can still read what the peer sends (a lingering close, so unread input does not turn the close into a reset).
    /// Only between writes: a waiting write would lose its rest. The frame forwarder's failed connection (RFC 6455 7.1.7).
    /// </summary>
    public void ShutdownSend()
    {
        lock (_lock)
        {
            if (_closed || _aborted || _write.Pending) return;
            LinuxSockets.Shutdown(Fd, LinuxSockets.SHUT_WR);
        }
    }

    /// <summary>Ends both directions now: waiting operations fail, later ones too; the descriptor stays until <see cref="Dispose"/>.</summary>
    public void Abort()
    {
        EpollOperation? read, write;
        lock (_lock)
        {
            if (_closed || _aborted) return;
            _aborted = true;
            LinuxSockets.Shutdown(Fd, LinuxSockets.SHUT_RDWR);
            (read, write) = TakePending();
        }
        FailOutside(read, write);
    }

    public void Dispose()
    {
        EpollOperation? read, write;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _loop.Unregister(_id, Fd);
            LinuxSockets.Close(Fd);
            (read, write) = TakePending();
        }
        FailOutside(read, write);
    }

    internal void OnEvents(uint events)
    {
        EpollOperation? read = null, write = null;
        int readResult = 0;
        Exception? readError = null, writeError = null;
        lock (_lock)
        {
            if (_closed || _aborted) return;
            if ((events & LinuxSockets.EPOLLPRI) != 0) _urgent = true;
            if ((events & (LinuxSockets.EPOLLIN | LinuxSockets.EPOLLPRI | LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR | LinuxSockets.EPOLLRDHUP)) != 0)
            {
                _readable = true;
                if ((events & (LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR | LinuxSockets.EPOLLRDHUP)) != 0) _peerDone = true;
                if (_read.Pending)
                {
                    try
                    {
                        readResult = TryReadLocked();
                    }
                    catch (IOException e)
                    {
                        readError = e;
                    }
                    if (readResult >= 0 || readError is not null) read = _read.Finish();
                }
            }
            if ((events & (LinuxSockets.EPOLLOUT | LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR)) != 0)
            {
                _writable = true;
                if (_write.Pending)
                {
                    var done = false;
                    try
                    {
                        done = _connecting ? ConnectFinishedLocked() : TryWriteLocked();
                    }
                    catch (IOException e)
                    {
                        writeError = e;
                    }
                    if (done || writeError is not null) write = _write.Finish();
                }
            }
        }
        if (read is not null) read.Complete(readResult, readError);
        if (write is not null) write.Complete(0, writeError);
    }

    /// <summary>
    /// Bytes read; -1 when the socket had nothing (now remembered as not readable). A short
    /// read drained the socket, unless the peer's end or an error came with the same edge (the next recv must see it),
    /// or urgent data is about: recv stops at its mark and skips the urgent byte on the next call (SO_OOBINLINE is off,
    /// so it never reaches the other leg), as Kestrel's transport does.
    /// </summary>
    private int TryReadLocked()
    {
        if (_readBuffer.Length == 0) return 0;
        var n = LinuxSockets.Receive(Fd, _readBuffer.Span);
        if (n < 0)
        {
            _readable = false;
            _urgent = false;
        }
        else if (n > 0 && n < _readBuffer.Length && !_peerDone && !_urgent) _readable = false;
        return n;
    }

    private bool TryWriteLocked()
    {
        while (_writeRemaining.Length > 0)
        {
            var n = LinuxSockets.Send(Fd, _writeRemaining.Span);
            if (n < 0)
            {
                _writable = false;
                return false;
            }
            _writeRemaining = _writeRemaining[n..];
        }
        return true;
    }

    private bool ConnectFinishedLocked()
    {
        var error = LinuxSockets.PendingError(Fd);
        if (error != 0) throw LinuxSockets.Failure("connect", error);
        if (LinuxSockets.RemoteEndPoint(Fd) is null) return false; // not connected yet: wait for the next event
        _connecting = false;
        return true;
    }

    private ValueTask<int> Park(EpollOperation operation, CancellationToken ct) =>
        TryPark(operation, ct) ? new ValueTask<int>(operation, operation.Version) : ValueTask.FromCanceled<int>(ct);

    /// <summary>Under the lock: the operation waits for its event; false when <paramref name="ct"/> is already cancelled.</summary>
    private bool TryPark(EpollOperation operation, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            if (operation == _write && !_connecting) AbortLocked();
            return false;
        }
        operation.Start(inlineContinuation: _continueOnLoop);
        if (operation == _write && !_connecting) _loop.CountWriteWait();
        if (ct.CanBeCanceled)
        {
            var version = operation.Version;
            operation.Registration = ct.UnsafeRegister(_ => Cancel(operation, version, ct), null);
        }
        return true;
    }

    private void Cancel(EpollOperation operation, short version, CancellationToken ct)
    {
        EpollOperation? read = null;
        lock (_lock)
        {
            if (!operation.Pending || operation.Version != version) return;
            operation.Finish();
            if (operation == _write)
            {
                if (_connecting) _connecting = false;
                else read = AbortLocked();
            }
        }
        operation.Complete(0, new OperationCanceledException(ct));
        read?.Complete(0, Gone());
    }

    /// <summary>A write given up half-way: the connection ends in both directions; returns a waiting read to fail.</summary>
    private EpollOperation? AbortLocked()
    {
        _writeRemaining = default;
        _aborted = true;
        LinuxSockets.Shutdown(Fd, LinuxSockets.SHUT_RDWR);
        return _read.Pending ? _read.Finish() : null;
    }

    private IOException? Gone() =>
        _closed ? new IOException("the socket is closed") : _aborted ? new IOException("the connection was aborted") : null;

    private (EpollOperation?, EpollOperation?) TakePending() =>
        (_read.Pending ? _read.Finish() : null, _write.Pending ? _write.Finish() : null);

    private void FailOutside(EpollOperation? read, EpollOperation? write)
    {
        var gone = Gone()!;
        read?.Complete(0, gone);
        write?.Complete(0, gone);
    }
}

/// <summary>A bug in the caller of <see cref="EpollSocket"/> (an operation started while the previous one is waiting or
/// uncollected): never a peer leaving, so nothing that handles transport failures may swallow it.</summary>
public sealed class SocketMisuseException(string message) : Exception(message);

/// <summary>The loop could not watch a descriptor (epoll_ctl ADD failed); the descriptor was closed.</summary>
public sealed class EpollRegistrationException(string message, Exception inner) : IOException(message, inner);
