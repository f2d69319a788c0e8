namespace VoiceEdge.Relay.Observability;

/// <summary>Every log line the relay writes (JSON console). None carries a token, signature or key.</summary>
public static partial class RelayLog
{
    [LoggerMessage(1, LogLevel.Information, "call ended {Route} session={Session} user={User} durationMs={DurationMs} bytesUp={BytesUp} bytesDown={BytesDown} framesUp={FramesUp} framesDown={FramesDown} closeCode={CloseCode} closedBy={ClosedBy} reason={Reason} build={Build}")]
    public static partial void CallEnded(ILogger logger, string route, string session, string user, long durationMs, long bytesUp, long bytesDown, long framesUp, long framesDown, int closeCode, string closedBy, string reason, string build);

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

    [LoggerMessage(60, LogLevel.Information, "handing over: build {Build} stops accepting; its {Open} open calls continue until they end, at most {MaxMinutes} min")]
    public static partial void HandingOver(ILogger logger, string build, int open, double maxMinutes);

    [LoggerMessage(61, LogLevel.Warning, "hand-over cap reached: build {Build} closes its {Open} remaining calls with 1012")]
    public static partial void HandoverCapReached(ILogger logger, string build, int open);

    [LoggerMessage(7, LogLevel.Information, "twilio stream start accepted session={Session} callSid={CallSid}")]
    public static partial void TwilioStartAccepted(ILogger logger, string session, string callSid);

    [LoggerMessage(8, LogLevel.Warning, "twilio stream start refused session={Session} outcome={Outcome} closeCode={CloseCode}: {Reason}")]
    public static partial void TwilioStartRefused(ILogger logger, string session, string outcome, int closeCode, string reason);

    [LoggerMessage(9, LogLevel.Information, "twilio voice webhook answered callSid={CallSid}")]
    public static partial void TwilioVoiceAnswered(ILogger logger, string callSid);

    [LoggerMessage(10, LogLevel.Information, "twilio status callback callSid={CallSid} status={Status}")]
    public static partial void TwilioStatus(ILogger logger, string callSid, string status);

    [LoggerMessage(11, LogLevel.Warning, "twilio {Hook} webhook refused {StatusCode} outcome={Outcome}")]
    public static partial void TwilioWebhookRefused(ILogger logger, string hook, int statusCode, string outcome);
}
