using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Relaying;

/// <summary>Caps concurrent calls; over the cap a request is refused with 429 before the upgrade.</summary>
public sealed class ConnectionLimiter(IOptions<RelayOptions> options)
{
    private int _inUse;

    public int InUse => Volatile.Read(ref _inUse);

    public Lease? TryAcquire()
    {
        if (Interlocked.Increment(ref _inUse) <= options.Value.MaxConnections) return new Lease(this);
        Interlocked.Decrement(ref _inUse);
        return null;
    }

    public sealed class Lease(ConnectionLimiter owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref owner._inUse);
        }
    }
}
