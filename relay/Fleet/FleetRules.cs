using System.Text.RegularExpressions;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// Checks <c>Relay:Name</c> and <c>Relay:Fleet</c> at start (through <see cref="RelayOptions.Validate"/>), one message per
/// problem naming the setting: names 1-12 of [a-z0-9] and unique, this relay's name among them, each URL an absolute
/// https base (http only for a loopback host, as <see cref="TwilioStreamUrlRules"/> allows ws there) whose stream URL
/// Twilio could dial, a region, and coordinates in range. No fleet and no name: today's single relay.
/// </summary>
public static partial class FleetRules
{
    public static IEnumerable<string> Problems(RelayOptions o)
    {
        if (!NamePattern().IsMatch(o.Name))
            yield return "Relay:Name must be empty (a single relay) or 1-12 characters of [a-z0-9]";
        if (o.Fleet.Count == 0)
        {
            if (o.Name.Length > 0) yield return $"Relay:Name is \"{o.Name}\" but Relay:Fleet is empty: set both (a fleet stack) or neither";
            yield break;
        }
        if (o.Name.Length == 0) yield return "Relay:Fleet is set but Relay:Name is empty: name this relay (one of the Relay:Fleet names)";
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Fleet.Count; i++)
        {
            var f = o.Fleet[i];
            var key = $"Relay:Fleet:{i}";
            if (f.Name is null || !NamePattern().IsMatch(f.Name) || f.Name.Length == 0)
                yield return $"{key}:Name must be 1-12 characters of [a-z0-9]";
            else if (!names.Add(f.Name))
                yield return $"{key}:Name \"{f.Name}\" is listed twice";
            if (f.Url is null || !f.Url.IsAbsoluteUri || !(f.Url.Scheme == "https" || (f.Url.Scheme == "http" && f.Url.IsLoopback)))
                yield return $"{key}:Url must be an absolute https:// URL (the relay's public base; http:// only for a loopback host)";
            else
                foreach (var problem in TwilioStreamUrlRules.Problems(FleetRelay.StreamBase(f.Url)))
                    yield return $"{key}:Url: {problem.Replace("Relay:PublicBaseUrl ", "its stream URL ", StringComparison.Ordinal)}";
            if (string.IsNullOrWhiteSpace(f.Region) || f.Region.Length > 64)
                yield return $"{key}:Region must be the relay's region (e.g. westeurope)";
            if (f.Latitude is not { } lat || double.IsNaN(lat) || Math.Abs(lat) > 90)
                yield return $"{key}:Latitude must be a number from -90 to 90";
            if (f.Longitude is not { } lon || double.IsNaN(lon) || Math.Abs(lon) > 180)
                yield return $"{key}:Longitude must be a number from -180 to 180";
        }
        if (o.Name.Length > 0 && !names.Contains(o.Name))
            yield return $"Relay:Name \"{o.Name}\" is not one of the Relay:Fleet names ({string.Join(", ", names)})";
    }

    /// <summary>The fleet as checked relays (call only on options that passed <see cref="Problems"/>).</summary>
    public static IReadOnlyList<FleetRelay> Relays(RelayOptions o) =>
        [.. o.Fleet.Select(f => new FleetRelay(f.Name!, f.Url!, f.Region!, new GeoPlace(f.Latitude!.Value, f.Longitude!.Value), f.Draining))];

    /// <summary>A relay name, or empty.</summary>
    public static bool IsName(string? value) => value is { Length: > 0 } && NamePattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]{0,12}\\z")]
    private static partial Regex NamePattern();
}
