using System.Diagnostics;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>How a call ended, for its log line and close metric: the first close recorded wins. Also its idle clock.</summary>
public sealed class CallRecord
{
    private int _closed;
    private long _lastData = Stopwatch.GetTimestamp();

    public string ClosedBy { get; private set; } = "none";

    /// <summary>The close code (1005: a close without a code; 1006: the connection vanished).</summary>
    public int CloseCode { get; private set; } = 1005;

    public void Close(string side, int code)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            ClosedBy = side;
            CloseCode = code;
        }
    }

    public void Touch() => Volatile.Write(ref _lastData, Stopwatch.GetTimestamp());

    public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastData));
}
