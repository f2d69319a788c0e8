namespace VoiceEdge.Relay.Transport;

/// <summary>At most one log line per period for a failure that can repeat thousands of times a second; counts the rest.</summary>
internal sealed class RateLimitedLog(TimeSpan period)
{
    private readonly Lock _lock = new();
    private long _lastLogged = long.MinValue;
    private int _suppressed;

    /// <summary>True when this occurrence is to be logged; <paramref name="suppressed"/> = occurrences skipped since the last line.</summary>
    public bool ShouldLog(out int suppressed)
    {
        var now = Environment.TickCount64;
        lock (_lock)
        {
            if (_lastLogged != long.MinValue && now - _lastLogged < (long)period.TotalMilliseconds)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }
            _lastLogged = now;
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
