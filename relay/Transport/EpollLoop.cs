using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// One thread waiting on one epoll instance (edge-triggered) and handing each socket its readiness. The sockets' reads
/// and writes that were waiting complete on this thread, and their continuations (the frame forwarder) run inline, so a
/// frame goes from one socket to the other with a recv, a send and no thread hop; only a socket that would block
/// parks until its next event. See bench/README.md for why (fewer syscalls and wake-ups than .NET's socket engine).
/// </summary>
public sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeId = 0;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<ulong, EpollSocket> _sockets = new();
    private static long s_nextId;
    private volatile bool _stopping;

    public EpollLoop(string name)
    {
        _epfd = LinuxSockets.EpollCreate();
        _wakeFd = LinuxSockets.EventFd();
        LinuxSockets.EpollAdd(_epfd, _wakeFd, LinuxSockets.EPOLLIN, WakeId);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Sockets this loop watches now.</summary>
    public int Count => _sockets.Count;

    internal ulong Register(EpollSocket socket)
    {
        var id = (ulong)Interlocked.Increment(ref s_nextId);
        _sockets[id] = socket;
        LinuxSockets.EpollAdd(_epfd, socket.Fd, LinuxSockets.EPOLLIN | LinuxSockets.EPOLLOUT | LinuxSockets.EPOLLRDHUP | LinuxSockets.EPOLLET, id);
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
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LinuxSockets.EpollEventSize));
        try
        {
            while (!_stopping)
            {
                var n = LinuxSockets.epoll_wait(_epfd, events, MaxEvents, -1);
                if (n < 0)
                {
                    if (LinuxSockets.Errno == LinuxSockets.EINTR) continue;
                    break;
                }
                for (var i = 0; i < n; i++)
                {
                    var ev = events + i * LinuxSockets.EpollEventSize;
                    var id = *(ulong*)(ev + LinuxSockets.EpollDataOffset);
                    if (id != WakeId && _sockets.TryGetValue(id, out var socket)) socket.OnEvents(*(uint*)ev);
                }
            }
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
        _thread.Join(TimeSpan.FromSeconds(5));
        LinuxSockets.Close(_wakeFd);
        LinuxSockets.Close(_epfd);
    }
}

/// <summary>The transport's event loops; each new socket goes to the next one in turn.</summary>
public sealed class EpollLoops : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next;

    public EpollLoops(int count)
    {
        _loops = new EpollLoop[Math.Max(1, count)];
        for (var i = 0; i < _loops.Length; i++) _loops[i] = new EpollLoop($"voice-edge epoll {i}");
    }

    public EpollLoop Next() => _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];

    public int Sockets => _loops.Sum(l => l.Count);

    public void Dispose()
    {
        foreach (var loop in _loops) loop.Dispose();
    }
}
