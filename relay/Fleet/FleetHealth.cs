using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// The fleet's health as this relay's voice webhook sees it: each other relay's <c>GET /health</c>, reused for
/// <c>Relay:FleetHealthCacheSeconds</c> (5 s, as the Worker) and read with a <c>Relay:FleetHealthTimeoutMs</c> timeout
/// (1 s); concurrent readers share one read, and a relay already known not ready is read again in the background
/// (<see cref="OfAsync"/>). This relay's own health comes from its own state (draining, its backends'
/// reachability, its open calls), never over the network.
/// </summary>
public sealed class FleetHealth(IOptions<RelayOptions> options, TimeProvider clock, DrainCoordinator drain, ConnectionLimiter limiter,
    BackendReachability backends) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<string, (FleetRelayHealth Health, long At)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<FleetRelayHealth>>> _reading = new(StringComparer.Ordinal);

    /// <summary>
    /// The relay's health. A relay last seen not ready (draining, unready, unknown) is not waited for again once its entry
    /// expires: its stale state is returned while a new read runs in the background, so a relay that hangs costs one
    /// health timeout, not one per cache period. A ready relay's expired entry is read before it is used.
    /// </summary>
    public async Task<FleetRelayHealth> OfAsync(FleetRelay relay, CancellationToken aborted)
    {
        var o = options.Value;
        if (relay.Name == o.Name) return await SelfAsync(aborted);
        var hasKnown = _entries.TryGetValue(relay.Name, out var known);
        if (hasKnown && clock.GetElapsedTime(known.At) < TimeSpan.FromSeconds(o.FleetHealthCacheSeconds)) return known.Health;
        var read = _reading.GetOrAdd(relay.Name, _ => new Lazy<Task<FleetRelayHealth>>(() => ReadAsync(relay)));
        if (hasKnown && known.Health.State != FleetRelayState.Ready)
        {
            _ = read.Value; // started (or already running); it stores its result and takes itself off _reading
            return known.Health;
        }
        return await read.Value.WaitAsync(aborted);
    }

    private async Task<FleetRelayHealth> SelfAsync(CancellationToken aborted)
    {
        var max = options.Value.MaxConnections;
        if (drain.IsDraining) return new(FleetRelayState.Draining, limiter.InUse, max);
        var states = await backends.CheckAsync(aborted);
        return new(states.Any(b => b.Status == BackendStatus.Unreachable) ? FleetRelayState.Unready : FleetRelayState.Ready, limiter.InUse, max);
    }

    private async Task<FleetRelayHealth> ReadAsync(FleetRelay relay)
    {
        FleetRelayHealth health;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.Value.FleetHealthTimeoutMs)))
        {
            try
            {
                using var response = await _http.GetAsync(relay.HealthUrl, timeout.Token);
                health = FleetRelayHealth.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                health = FleetRelayHealth.Unknown;
            }
        }
        _entries[relay.Name] = (health, clock.GetTimestamp());
        _reading.TryRemove(relay.Name, out _);
        return health;
    }

    public void Dispose() => _http.Dispose();
}
