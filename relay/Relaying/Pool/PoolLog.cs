namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>The pool's log lines; a backend is named by its URL without the query (no prompt, no secret).</summary>
public static partial class PoolLog
{
    [LoggerMessage(40, LogLevel.Warning, "voice backend {Backend} marked down; probing it")]
    public static partial void BackendDown(ILogger logger, string backend);

    [LoggerMessage(42, LogLevel.Warning, "voice backend {Backend} failed a call reason={Reason} inARow={InARow}")]
    public static partial void CallFailed(ILogger logger, string backend, string reason, int inARow);

    [LoggerMessage(43, LogLevel.Warning, "voice backend {Backend} marked down for {Seconds} s: it dropped {InARow} calls in a row before its handshake")]
    public static partial void DownForDrops(ILogger logger, string backend, int seconds, int inARow);

    [LoggerMessage(41, LogLevel.Information, "voice backend {Backend} is back")]
    public static partial void BackendUp(ILogger logger, string backend);
}
