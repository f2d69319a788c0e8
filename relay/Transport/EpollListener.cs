namespace VoiceEdge.Relay.Transport;

/// <summary>
/// A listening TCP socket watched by an <see cref="EpollLoop"/>: one accept at a time, completed at once when a
/// connection is waiting and otherwise parked until the next readable edge. The connections it accepts are
/// <see cref="EpollSocket"/>s (<see cref="EpollSocket.Adopt"/>); this class only hands out their descriptors.
/// </summary>
internal sealed class EpollListener : IEpollWatched, IDisposable
{
    private readonly Lock _lock = new();
    private readonly EpollLoop _loop;
    private readonly ulong _id;
    private readonly EpollOperation _accept = new();
    private bool _readable = true, _closed;

    public int Fd { get; }

    public System.Net.IPEndPoint? LocalEndPoint => LinuxSockets.LocalEndPoint(Fd);

    /// <summary>Takes ownership of a listening, non-blocking descriptor; closes it if the loop cannot watch it.</summary>
    public EpollListener(EpollLoop loop, int fd)
    {
        Fd = fd;
        _loop = loop;
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

    /// <summary>The next connection, as a non-blocking descriptor; waits for one when none is queued.</summary>
    public ValueTask<int> AcceptAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_closed) return ValueTask.FromException<int>(Closed());
            _accept.EnsureIdle("accept");
            if (_readable && TryAcceptLocked() is var fd and >= 0) return new ValueTask<int>(fd);
            if (ct.IsCancellationRequested) return ValueTask.FromCanceled<int>(ct);
            _accept.Start(inlineContinuation: false);
            if (ct.CanBeCanceled)
            {
                var version = _accept.Version;
                _accept.Registration = ct.UnsafeRegister(_ => Cancel(version, ct), null);
            }
            return new ValueTask<int>(_accept, _accept.Version);
        }
    }

    public void OnEvents(uint events)
    {
        EpollOperation? accept = null;
        int fd = -1;
        Exception? error = null;
        lock (_lock)
        {
            if (_closed || (events & (LinuxSockets.EPOLLIN | LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR)) == 0) return;
            _readable = true;
            if (!_accept.Pending) return;
            try
            {
                fd = TryAcceptLocked();
            }
            catch (IOException e)
            {
                error = e;
            }
            if (fd >= 0 || error is not null) accept = _accept.Finish();
        }
        accept?.Complete(fd, error);
    }

    public void Dispose()
    {
        EpollOperation? accept;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _loop.Unregister(_id, Fd);
            LinuxSockets.Close(Fd);
            accept = _accept.Pending ? _accept.Finish() : null;
        }
        accept?.Complete(0, Closed());
    }

    /// <summary>An accepted descriptor; -1 when none is waiting (now remembered as not readable). A connection that is
    /// gone before it was accepted (ECONNABORTED, EPROTO) is skipped.</summary>
    private int TryAcceptLocked()
    {
        while (true)
        {
            var fd = LinuxSockets.Accept(Fd);
            if (fd == -2) continue;
            if (fd < 0) _readable = false;
            return fd;
        }
    }

    private void Cancel(short version, CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_accept.Pending || _accept.Version != version) return;
            _accept.Finish();
        }
        _accept.Complete(0, new OperationCanceledException(ct));
    }

    private static IOException Closed() => new("the listening socket is closed");
}
