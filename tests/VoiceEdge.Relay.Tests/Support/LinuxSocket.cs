using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>Descriptor plumbing for tests that hand the relay a listening socket, as systemd does.</summary>
internal static class LinuxSocket
{
    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    /// <summary>A loopback listening socket, kept open by the returned <see cref="Socket"/>.</summary>
    public static Socket Listening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(512);
        return socket;
    }

    /// <summary>A second descriptor for the same socket (what each process inherits): its holder may close it alone.</summary>
    public static int Dup(Socket socket)
    {
        var fd = dup((int)socket.SafeHandle.DangerousGetHandle());
        return fd >= 0 ? fd : throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static IPEndPoint LocalEndPointOf(int fd)
    {
        using var view = new Socket(new SafeSocketHandle(fd, ownsHandle: false));
        return (IPEndPoint)view.LocalEndPoint!;
    }
}
