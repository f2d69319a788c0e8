using System.Runtime.InteropServices;

namespace VoiceEdge.Relay.Hosting;

/// <summary>
/// File descriptors: each call holds two sockets (the client's and the backend's), and the process needs some of its own.
/// Out of descriptors, accept fails with EMFILE (the transport retries and says so) but the .NET runtime itself also
/// needs a descriptor now and then and aborts ("Out of memory.", exit 134) when it gets none, dropping every call. So
/// at start the relay raises its soft RLIMIT_NOFILE to the hard one, as the Go runtime does for its programs, and warns
/// when even that cannot hold <c>Relay:MaxConnections</c> calls (the systemd unit sets <c>LimitNOFILE=65536</c>).
/// </summary>
public static partial class DescriptorLimit
{
    /// <summary>Sockets per call: the client's and the backend's.</summary>
    public const int PerCall = 2;

    /// <summary>What the process needs besides its calls: the runtime, the listener, the epoll loops, logs and health checks.</summary>
    public const int Reserve = 256;

    private const int RlimitNofile = 7; // RLIMIT_NOFILE on Linux (asm-generic/resource.h)

    public static long Needed(int maxConnections) => (long)maxConnections * PerCall + Reserve;

    /// <summary>Raises the soft limit to the hard one (needs no privilege); returns the limits after, or null off Linux or on failure.</summary>
    public static (ulong Soft, ulong Hard)? RaiseSoftToHard()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var limit = new RLimit();
        if (getrlimit(RlimitNofile, ref limit) != 0) return null;
        if (limit.Current < limit.Maximum)
        {
            var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            if (setrlimit(RlimitNofile, ref raised) == 0) limit = raised;
        }
        return (limit.Current, limit.Maximum);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)] private static extern int getrlimit(int resource, ref RLimit limit);
    [DllImport("libc", SetLastError = true)] private static extern int setrlimit(int resource, ref RLimit limit);

    [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "Relay:MaxConnections {MaxConnections} needs about {Needed} file descriptors ({PerCall} per call and {Reserve} for the process) but the limit is {Limit}: out of descriptors the process aborts and every call drops; raise LimitNOFILE or lower Relay:MaxConnections")]
    public static partial void TooFew(ILogger logger, int maxConnections, long needed, int perCall, int reserve, ulong limit);
}
