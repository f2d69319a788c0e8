using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// Caps one user's concurrent calls (<c>Relay__MaxCallsPerUser</c>); the extra call is refused with 429 before the
/// upgrade. Counts only calls whose v2 relay token names the user: v1 tokens and Twilio streams carry no user.
/// A user's entry lives only while they have calls open, so memory follows open calls, not users ever seen.
/// </summary>
public sealed class PerUserCallLimiter(IOptions<RelayOptions> options)
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Calls open now for <paramref name="user"/>.</summary>
    public int OpenFor(string user)
    {
        lock (_open) return _open.GetValueOrDefault(user);
    }

    /// <summary>A lease on one of the user's slots, or null when they already hold the maximum.</summary>
    public Lease? TryAcquire(string user)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(user);
            if (open >= options.Value.MaxCallsPerUser) return null;
            _open[user] = open + 1;
        }
        return new Lease(this, user);
    }

    private void Release(string user)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(user) - 1;
            if (open <= 0) _open.Remove(user);
            else _open[user] = open;
        }
    }

    public sealed class Lease(PerUserCallLimiter owner, string user) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(user);
        }
    }
}
