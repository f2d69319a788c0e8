using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// The Linux calls the epoll transport makes (man 2 epoll_ctl, socket, accept4, recv, send, eventfd). Every socket is
/// non-blocking, so none of these waits; errno comes back through <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe class LinuxSockets
{
    // .NET resolves "libc" to the C library's real file (LIBC_SO, libc.so.6 with glibc), so this needs no libc6-dev.
    private const string Libc = "libc";

    public const int EAGAIN = 11, EINTR = 4, EINPROGRESS = 115, EPROTO = 71, ECONNABORTED = 103;
    private const int AF_INET = 2, AF_INET6 = 10;
    public const uint EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLET = 1u << 31;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    private const int CLOEXEC = 0x80000, NONBLOCK = 0x800;
    private const int SOCK_STREAM = 1, SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_SNDBUF = 7;
    private const int IPPROTO_TCP = 6, TCP_NODELAY = 1, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    private const int MSG_NOSIGNAL = 0x4000;
    public const int SHUT_WR = 1, SHUT_RDWR = 2;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [DllImport(Libc, SetLastError = true)] public static extern int epoll_create1(int flags);
    [DllImport(Libc, SetLastError = true)] private static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);
    [DllImport(Libc, SetLastError = true)] public static extern int epoll_wait(int epfd, byte* events, int max, int timeout);
    [DllImport(Libc, SetLastError = true)] private static extern int eventfd(uint initval, int flags);
    [DllImport(Libc, SetLastError = true)] private static extern int socket(int domain, int type, int protocol);
    [DllImport(Libc, SetLastError = true)] private static extern int setsockopt(int fd, int level, int name, int* value, int length);
    [DllImport(Libc, SetLastError = true)] private static extern int getsockopt(int fd, int level, int name, int* value, int* length);
    [DllImport(Libc, SetLastError = true)] private static extern int bind(int fd, byte* address, int length);
    [DllImport(Libc, SetLastError = true)] private static extern int listen(int fd, int backlog);
    [DllImport(Libc, SetLastError = true)] private static extern int accept4(int fd, byte* address, int* length, int flags);
    [DllImport(Libc, SetLastError = true)] private static extern int connect(int fd, byte* address, int length);
    [DllImport(Libc, SetLastError = true)] private static extern int getsockname(int fd, byte* address, int* length);
    [DllImport(Libc, SetLastError = true)] private static extern int getpeername(int fd, byte* address, int* length);
    [DllImport(Libc, SetLastError = true)] private static extern nint recv(int fd, byte* buffer, nint length, int flags);
    [DllImport(Libc, SetLastError = true)] private static extern nint send(int fd, byte* buffer, nint length, int flags);
    [DllImport(Libc, SetLastError = true)] private static extern nint write(int fd, byte* buffer, nint length);
    [DllImport(Libc, SetLastError = true)] private static extern int shutdown(int fd, int how);
    [DllImport(Libc, SetLastError = true)] private static extern int close(int fd);
    [DllImport(Libc)] private static extern void _exit(int status);
    [DllImport(Libc, SetLastError = true)] private static extern int fcntl(int fd, int cmd, int arg);

    /// <summary>Ends the process now (man 2 _exit): no finalizers, no shutdown handlers that could wait forever.</summary>
    public static void ExitNow(int status) => _exit(status);

    /// <summary>Closing never fails in a way the caller could act on (man 2 close: the descriptor is released either way).</summary>
    public static void Close(int fd) => _ = close(fd);

    public static void Shutdown(int fd, int how) => _ = shutdown(fd, how);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static IOException Failure(string call, int errno) => new($"{call} failed: {ErrnoName(errno)} (errno {errno}, {Marshal.GetPInvokeErrorMessage(errno)})");

    /// <summary>The symbolic name of a Linux errno (asm-generic/errno-base.h, errno.h) for log and exception texts.</summary>
    public static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM", 2 => "ENOENT", 4 => "EINTR", 5 => "EIO", 9 => "EBADF", 11 => "EAGAIN", 12 => "ENOMEM", 13 => "EACCES",
        14 => "EFAULT", 17 => "EEXIST", 22 => "EINVAL", 23 => "ENFILE", 24 => "EMFILE", 28 => "ENOSPC", 32 => "EPIPE",
        71 => "EPROTO", 88 => "ENOTSOCK", 95 => "EOPNOTSUPP", 97 => "EAFNOSUPPORT", 98 => "EADDRINUSE", 99 => "EADDRNOTAVAIL",
        100 => "ENETDOWN", 101 => "ENETUNREACH", 103 => "ECONNABORTED", 104 => "ECONNRESET", 105 => "ENOBUFS", 107 => "ENOTCONN",
        110 => "ETIMEDOUT", 111 => "ECONNREFUSED", 113 => "EHOSTUNREACH", 115 => "EINPROGRESS",
        _ => $"errno {errno}",
    };

    private static int Check(int result, string call) => result >= 0 ? result : throw Failure(call, Errno);

    public static int EpollCreate() => Check(epoll_create1(CLOEXEC), "epoll_create1");

    public static int EventFd() => Check(eventfd(0, CLOEXEC | NONBLOCK), "eventfd");

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, (byte*)&one, sizeof(ulong));
    }

    public static void EpollAdd(int epfd, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollDataOffset) = data;
        Check(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev), "epoll_ctl");
    }

    public static void EpollRemove(int epfd, int fd)
    {
        var ev = stackalloc byte[16];
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, ev);
    }

    public static int Socket(AddressFamily family) =>
        Check(socket(family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET, SOCK_STREAM | NONBLOCK | CLOEXEC, 0), $"socket({family})");

    public static void NoDelay(int fd)
    {
        var one = 1;
        _ = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
    }

    /// <summary>The socket's send buffer (the kernel doubles it); tests use a small one to force back-pressure.</summary>
    public static void SetSendBuffer(int fd, int bytes) =>
        Check(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(int)), "setsockopt(SO_SNDBUF)");

    /// <summary>A listening socket like Kestrel's: address reuse on, IPv6 "any" dual-mode; accepted sockets inherit
    /// <paramref name="sendBufferBytes"/> when it is set.</summary>
    public static int Listen(IPEndPoint endPoint, int backlog, int sendBufferBytes = 0)
    {
        var fd = Socket(endPoint.AddressFamily);
        try
        {
            var one = 1;
            var zero = 0;
            Check(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int)), "setsockopt(SO_REUSEADDR)");
            if (endPoint.Address.Equals(IPAddress.IPv6Any)) _ = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(int));
            if (sendBufferBytes > 0) SetSendBuffer(fd, sendBufferBytes);
            var address = endPoint.Serialize();
            fixed (byte* p = address.Buffer.Span) Check(bind(fd, p, address.Size), $"bind({endPoint})");
            Check(listen(fd, backlog), "listen");
            return fd;
        }
        catch
        {
            Close(fd);
            throw;
        }
    }

    /// <summary>
    /// An inherited listening TCP socket, made non-blocking and close-on-exec (O_NONBLOCK is shared with every holder of
    /// the socket; Kestrel's socket transport sets it too). Refused, naming the descriptor, when it is not listening.
    /// </summary>
    public static int AdoptListening(int fd, int sendBufferBytes = 0)
    {
        const int F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1, SO_ACCEPTCONN = 30;
        int listening = 0, length = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening == 0)
            throw new IOException($"descriptor {fd} is not a listening socket (Relay:ListenFd or LISTEN_FDS)");
        var flags = Check(fcntl(fd, F_GETFL, 0), "fcntl(F_GETFL)");
        Check(fcntl(fd, F_SETFL, flags | NONBLOCK), "fcntl(F_SETFL)");
        Check(fcntl(fd, F_SETFD, FD_CLOEXEC), "fcntl(F_SETFD)");
        if (sendBufferBytes > 0) SetSendBuffer(fd, sendBufferBytes);
        return fd;
    }

    /// <summary>The next pending connection, non-blocking; -1 when none is waiting (EAGAIN).</summary>
    public static int Accept(int fd)
    {
        while (true)
        {
            var accepted = accept4(fd, null, null, NONBLOCK | CLOEXEC);
            if (accepted >= 0) return accepted;
            var errno = Errno;
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return -1;
            // ECONNABORTED, EPROTO: that connection is gone, the next one may be fine. Out of descriptors or memory
            // (EMFILE, ENFILE, ENOBUFS, ENOMEM) throws: the listener retries after a pause instead of spinning.
            if (errno is ECONNABORTED or EPROTO) return -2;
            throw Failure("accept4", errno);
        }
    }

    /// <summary>Starts a connect; true when it finished at once, false when it is in progress (EINPROGRESS).</summary>
    public static bool Connect(int fd, IPEndPoint endPoint)
    {
        var address = endPoint.Serialize();
        int result;
        fixed (byte* p = address.Buffer.Span) result = connect(fd, p, address.Size);
        if (result == 0) return true;
        var errno = Errno;
        if (errno == EINPROGRESS) return false;
        throw Failure($"connect({endPoint})", errno);
    }

    public static int PendingError(int fd)
    {
        int error = 0, length = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : Errno;
    }

    public static IPEndPoint? LocalEndPoint(int fd) => EndPointOf(fd, local: true);

    public static IPEndPoint? RemoteEndPoint(int fd) => EndPointOf(fd, local: false);

    private static IPEndPoint? EndPointOf(int fd, bool local)
    {
        var address = new SocketAddress(AddressFamily.InterNetworkV6);
        var length = address.Buffer.Length;
        int result;
        fixed (byte* p = address.Buffer.Span) result = local ? getsockname(fd, p, &length) : getpeername(fd, p, &length);
        if (result != 0) return null;
        var v6 = MemoryMarshal.Read<ushort>(address.Buffer.Span) == 10;
        var typed = new SocketAddress(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, length);
        address.Buffer.Span[..length].CopyTo(typed.Buffer.Span);
        return (IPEndPoint)new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(typed);
    }

    /// <summary>Bytes read (0 = end of stream), or -1 for EAGAIN; other errors throw.</summary>
    public static int Receive(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = recv(fd, p, buffer.Length, 0);
                if (n >= 0) return (int)n;
                var errno = Errno;
                if (errno == EINTR) continue;
                if (errno == EAGAIN) return -1;
                throw Failure("recv", errno);
            }
        }
    }

    /// <summary>Bytes sent, or -1 for EAGAIN; other errors throw.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = send(fd, p, buffer.Length, MSG_NOSIGNAL);
                if (n >= 0) return (int)n;
                var errno = Errno;
                if (errno == EINTR) continue;
                if (errno == EAGAIN) return -1;
                throw Failure("send", errno);
            }
        }
    }
}
