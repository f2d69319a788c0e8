namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>The pool's log lines; a backend is named by its URL without the query (no prompt, no secret).</summary>
public static partial class PoolLog
{
    [LoggerMessage(40, LogLevel.Warning, "voice backend {Backend} marked down; probing it")]
    public static partial void BackendDown(ILogger logger, string backend);

    [LoggerMessage(41, LogLevel.Information, "voice backend {Backend} is back")]
    public static partial void BackendUp(ILogger logger, string backend);
}
