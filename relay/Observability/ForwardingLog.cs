namespace VoiceEdge.Relay.Observability;

/// <summary>The frame forwarder's own log lines (EventIds 200-219). None carries a token, signature or key.</summary>
public static partial class ForwardingLog
{
    [LoggerMessage(200, LogLevel.Warning, "Relay:Forwarder={Value} is ignored: the frame forwarder is the relay's only engine since the WebSocket pump was removed (issue 26); remove the setting")]
    public static partial void ForwarderSettingIgnored(ILogger logger, string value);

    /// <summary>
    /// A bug in the relay ended a call (an exception that is not a transport failure): logged once, with the call, and
    /// the call ends 1011 both ways with reason relay-error, never as the client or backend leaving.
    /// </summary>
    [LoggerMessage(201, LogLevel.Error, "relay error ended call {Route} session={Session}; this is unexpected")]
    public static partial void RelayError(ILogger logger, Exception error, string route, string session);
}
