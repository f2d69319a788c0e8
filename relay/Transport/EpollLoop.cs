using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// One thread waiting on one epoll instance (edge-triggered) and handing each socket its readiness. The sockets' reads
/// and writes that were waiting complete on this thread, and their continuations (the frame forwarder) run inline, so a
/// frame goes from one socket to the other with a recv, a send and no thread hop; only a socket that would block
/// parks until its next event. See bench/README.md for why (fewer syscalls and wake-ups than .NET's socket engine).
/// Only socket readiness and the frame forwarder's continuations run here (<see cref="EpollSocket.ContinueOnLoop"/>);
/// anything slow would stall every socket of the loop. An exception that reaches the loop, or an epoll_wait that fails,
/// leaves its sockets without a thread: the loop reports it to its fatal handler (the relay logs it and exits non-zero,
/// so systemd restarts it) and stops.
/// </summary>
public sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeId = 0;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<ulong, IEpollWatched> _sockets = new();
    private readonly Action<Exception> _onFatal;
    private static long s_nextId;
    [ThreadStatic] private static bool t_onLoop;
    private volatile bool _stopping;

    /// <param name="onFatal">Called once, on the loop's thread, when the loop cannot go on; by default <see cref="EpollLoopFailure.Exit"/>.</param>
    public EpollLoop(string name, Action<Exception>? onFatal = null)
    {
        _onFatal = onFatal ?? (e => EpollLoopFailure.Exit(name, e, null));
        _epfd = LinuxSockets.EpollCreate();
        _wakeFd = LinuxSockets.EventFd();
        LinuxSockets.EpollAdd(_epfd, _wakeFd, LinuxSockets.EPOLLIN, WakeId);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    private long _writeWaits;

    /// <summary>Sockets this loop watches now.</summary>
    public int Count => _sockets.Count;

    /// <summary>Writes on this loop's sockets that had to wait for room in the send buffer (a slow reader), since start.</summary>
    public long WriteWaits => Interlocked.Read(ref _writeWaits);

    internal void CountWriteWait() => Interlocked.Increment(ref _writeWaits);

    /// <summary>True on the thread of any event loop.</summary>
    public static bool OnLoopThread => t_onLoop;

    /// <summary>Continues on the thread pool when called on a loop's thread; at once otherwise.</summary>
    public static LeaveLoopAwaitable LeaveLoopThread() => new(t_onLoop);

    /// <summary>Epoll file descriptor (for tests that break the loop).</summary>
    internal int EpollFd => _epfd;

    internal ulong Register(IEpollWatched socket)
    {
        var id = (ulong)Interlocked.Increment(ref s_nextId);
        _sockets[id] = socket;
        try
        {
            LinuxSockets.EpollAdd(_epfd, socket.Fd,
                LinuxSockets.EPOLLIN | LinuxSockets.EPOLLPRI | LinuxSockets.EPOLLOUT | LinuxSockets.EPOLLRDHUP | LinuxSockets.EPOLLET, id);
        }
        catch
        {
            _sockets.TryRemove(id, out _);
            throw;
        }
        return id;
    }

    /// <summary>Called by the socket, under its lock, just before it closes its descriptor.</summary>
    internal void Unregister(ulong id, int fd)
    {
        _sockets.TryRemove(id, out _);
        LinuxSockets.EpollRemove(_epfd, fd);
    }

    private void Run()
    {
        t_onLoop = true;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LinuxSockets.EpollEventSize));
        try
        {
            while (!_stopping)
            {
                var n = LinuxSockets.epoll_wait(_epfd, events, MaxEvents, -1);
                if (n < 0)
                {
                    var errno = LinuxSockets.Errno;
                    if (errno == LinuxSockets.EINTR) continue;
                    if (_stopping) break;
                    throw LinuxSockets.Failure("epoll_wait", errno);
                }
                for (var i = 0; i < n; i++)
                {
                    var ev = events + i * LinuxSockets.EpollEventSize;
                    var id = *(ulong*)(ev + LinuxSockets.EpollDataOffset);
                    if (id != WakeId && _sockets.TryGetValue(id, out var socket)) socket.OnEvents(*(uint*)ev);
                }
            }
        }
        catch (Exception e)
        {
            _onFatal(e);
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        LinuxSockets.Signal(_wakeFd);
        if (Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(5));
        LinuxSockets.Close(_wakeFd);
        LinuxSockets.Close(_epfd);
    }
}

/// <summary>The transport's event loops; each new socket goes to the next one in turn.</summary>
public sealed class EpollLoops : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next;

    /// <param name="onFatal">What a loop that cannot go on does (<see cref="EpollLoop"/>): by default log to stderr and exit.</param>
    public EpollLoops(int count, Action<Exception>? onFatal = null)
    {
        _loops = new EpollLoop[Math.Max(1, count)];
        for (var i = 0; i < _loops.Length; i++) _loops[i] = new EpollLoop($"voice-edge epoll {i}", onFatal);
    }

    public EpollLoop Next() => _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];

    public int Sockets => _loops.Sum(l => l.Count);

    public long WriteWaits => _loops.Sum(l => l.WriteWaits);

    /// <summary>SO_SNDBUF of the transport's sockets (accepted through the listener, and outgoing); 0 = the kernel's autotuning.</summary>
    public int SendBufferBytes { get; init; }

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }
}

/// <summary>Awaiting it moves the rest of the method off an event loop's thread (<see cref="EpollLoop.LeaveLoopThread"/>).</summary>
public readonly struct LeaveLoopAwaitable(bool onLoop) : System.Runtime.CompilerServices.ICriticalNotifyCompletion
{
    public LeaveLoopAwaitable GetAwaiter() => this;

    public bool IsCompleted => !onLoop;

    public void GetResult() { }

    public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

    public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
}
