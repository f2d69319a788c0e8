namespace VoiceEdge.Relay.Transport;

/// <summary>The epoll transport's log lines.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "epoll transport: a connection was dropped because the event loop could not watch it ({Reason}); {Suppressed} more since the last line")]
    public static partial void RegistrationFailed(ILogger logger, string reason, int suppressed);

    [LoggerMessage(EventId = 901, Level = LogLevel.Critical, Message = "epoll transport: event loop {Loop} failed; exiting with {ExitCode} so the service manager restarts the relay")]
    public static partial void LoopFailed(ILogger logger, Exception error, string loop, int exitCode);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "epoll transport: accept failed ({Reason}); the waiting connection stays queued and accept is retried every {RetryMs} ms; {Suppressed} more failures since the last line")]
    public static partial void AcceptFailed(ILogger logger, string reason, int retryMs, int suppressed);
}
