namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// The chooser's rule, the same as the Worker's (worker-src/src/relayChoice.ts): relays sorted by distance from the
/// place and cut into tiers (every relay within <see cref="NearBandKm"/> of the tier's nearest); within a tier the
/// ready relays, least loaded first (then name); tiers in order; last, relays whose health could not be read,
/// nearest first. Draining and unready relays are never offered, nor relays the configuration drains
/// (<see cref="FleetRelay.Draining"/>), whose health is not read at all.
/// </summary>
public static class FleetChooser
{
    /// <summary>1,000 km of fibre is ~10 ms of round trip: relays that close count as equally near.</summary>
    public const double NearBandKm = 1000;

    public static IReadOnlyList<IReadOnlyList<FleetRelay>> Tiers(IEnumerable<FleetRelay> relays, GeoPlace place)
    {
        var tiers = new List<List<FleetRelay>>();
        var start = double.NegativeInfinity;
        foreach (var (relay, km) in relays.Select(r => (r, place.DistanceKm(r.Place))).OrderBy(x => x.Item2).ThenBy(x => x.r.Name, StringComparer.Ordinal))
        {
            if (km > start + NearBandKm)
            {
                tiers.Add([]);
                start = km;
            }
            tiers[^1].Add(relay);
        }
        return tiers;
    }

    /// <summary>
    /// The relays in the order a call should try them, reading each tier's health only when the order reaches it and
    /// stopping once <paramref name="want"/> ready relays are known.
    /// </summary>
    public static async Task<IReadOnlyList<FleetRelay>> OrderAsync(IEnumerable<FleetRelay> relays, GeoPlace place,
        Func<FleetRelay, Task<FleetRelayHealth>> health, int want)
    {
        var ready = new List<FleetRelay>();
        var unknown = new List<FleetRelay>();
        foreach (var tier in Tiers(relays.Where(r => !r.Draining), place))
        {
            var states = await Task.WhenAll(tier.Select(health));
            ready.AddRange(tier.Select((relay, i) => (relay, h: states[i]))
                .Where(x => x.h.State == FleetRelayState.Ready)
                .OrderBy(x => x.h.Load).ThenBy(x => x.relay.Name, StringComparer.Ordinal)
                .Select(x => x.relay));
            unknown.AddRange(tier.Where((_, i) => states[i].State == FleetRelayState.Unknown));
            if (ready.Count >= want) break;
        }
        return [.. ready, .. unknown];
    }
}
