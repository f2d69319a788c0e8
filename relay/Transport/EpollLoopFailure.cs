using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// What the relay does when an event loop cannot go on (an exception reached it, or epoll_wait failed): its sockets have
/// no thread left, so the calls on them are lost either way. Log it, then exit with EX_SOFTWARE (70) at once, without
/// the host's graceful stop (which would wait on connections the dead loop can never finish), so systemd's
/// Restart=on-failure brings a fresh relay up within RestartSec.
/// </summary>
public static class EpollLoopFailure
{
    public const int ExitCode = 70;

    /// <summary>The production fatal handler: through <paramref name="logger"/> when there is one, and always one plain
    /// line on stderr (written synchronously: the console logger's queue would not outlive the exit).</summary>
    public static void Exit(string loop, Exception error, ILogger? logger)
    {
        try
        {
            if (logger is not null) TransportLog.LoopFailed(logger, error, loop, ExitCode);
            Console.Error.WriteLine($"voice-edge relay: event loop '{loop}' failed, exiting with {ExitCode}: {error}");
            Console.Error.Flush();
        }
        finally
        {
            LinuxSockets.ExitNow(ExitCode);
        }
    }
}
