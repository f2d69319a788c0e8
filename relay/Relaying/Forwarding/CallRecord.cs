using System.Diagnostics;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>How a call ended (<see cref="CallOutcome"/>), for its log line and close metric: the first outcome recorded wins. Also its idle clock.</summary>
public sealed class CallRecord
{
    private CallOutcome? _outcome;
    private long _lastData = Stopwatch.GetTimestamp();

    public CallOutcome Outcome => Volatile.Read(ref _outcome) ?? CallOutcome.Open;

    /// <summary>Records <paramref name="outcome"/> unless another was recorded first; true when this one counts.</summary>
    public bool Record(CallOutcome outcome) => Interlocked.CompareExchange(ref _outcome, outcome, null) is null;

    public void Touch() => Volatile.Write(ref _lastData, Stopwatch.GetTimestamp());

    public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastData));
}
