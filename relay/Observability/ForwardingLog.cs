namespace VoiceEdge.Relay.Observability;

/// <summary>The frame forwarder's own log lines (EventIds 200-219). None carries a token, signature or key.</summary>
public static partial class ForwardingLog
{
    [LoggerMessage(200, LogLevel.Warning, "Relay:Forwarder={Value} is ignored: the frame forwarder is the relay's only engine since the WebSocket pump was removed (issue 26); remove the setting")]
    public static partial void ForwarderSettingIgnored(ILogger logger, string value);
}
