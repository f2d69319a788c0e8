namespace VoiceEdge.Relay.Observability;

/// <summary>Every log line the relay writes (JSON console). None carries a token, signature or key.</summary>
public static partial class RelayLog
{
    [LoggerMessage(1, LogLevel.Information, "call ended {Route} session={Session} user={User} durationMs={DurationMs} bytesUp={BytesUp} bytesDown={BytesDown} framesUp={FramesUp} framesDown={FramesDown} closeCode={CloseCode} closedBy={ClosedBy}")]
    public static partial void CallEnded(ILogger logger, string route, string session, string user, long durationMs, long bytesUp, long bytesDown, long framesUp, long framesDown, int closeCode, string closedBy);

    [LoggerMessage(2, LogLevel.Warning, "upstream {Route} did not answer within {Seconds} s")]
    public static partial void UpstreamTimeout(ILogger logger, string route, int seconds);

    [LoggerMessage(3, LogLevel.Warning, "upstream {Route} refused the connection: {Error}")]
    public static partial void UpstreamRefused(ILogger logger, string route, string error);

    [LoggerMessage(4, LogLevel.Information, "draining: refusing new calls; {Open} open calls get {GraceSeconds} s")]
    public static partial void Draining(ILogger logger, int open, double graceSeconds);

    [LoggerMessage(5, LogLevel.Information, "closing {Open} open calls with 1012")]
    public static partial void ClosingForRestart(ILogger logger, int open);

    [LoggerMessage(6, LogLevel.Information, "drained; {Open} calls left")]
    public static partial void Drained(ILogger logger, int open);
}
