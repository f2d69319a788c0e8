using System.Globalization;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// The relay's list-shaped, non-secret settings as lines of its environment file (<c>Relay__Backends__0__Url=...</c>),
/// the names ASP.NET configuration binds (relay/Hosting/RelayOptions.cs, relay/Relaying/Pool/BackendOptions.cs).
/// The Run Command passes each as its own parameter (<see cref="ParameterName"/>); run-command.sh checks every
/// name against the shapes below and refuses a value with a line break. Secrets never go here.
/// </summary>
public static class RelayEnvironment
{
    public const string ParameterPrefix = "RELAY_SETTING_";

    public static string ParameterName(int index) => ParameterPrefix + index.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> Lines(EdgeSettings edge, RelaySite relay, IReadOnlyList<RelaySite> relays)
    {
        var lines = new List<string>();
        for (var i = 0; i < relay.VoiceBackends.Count; i++)
        {
            var b = relay.VoiceBackends[i];
            var at = $"Relay__Backends__{i}__";
            lines.Add($"{at}Url={b.Url}");
            lines.Add($"{at}Capacity={b.Capacity.ToString(CultureInfo.InvariantCulture)}");
            if (b.CertificateSha256 is { } pin) lines.Add($"{at}CertificateSha256={pin}");
            foreach (var (key, value) in b.DefaultQuery) lines.Add($"{at}DefaultQuery__{key}={value}");
        }
        for (var i = 0; i < edge.VoiceQueryKeys.Count; i++)
            lines.Add($"Relay__AllowedQueryKeys__{i}={edge.VoiceQueryKeys[i]}");
        lines.Add($"Relay__TwilioAccountSid={edge.TwilioAccountSid}");
        if (relay.InFleet) lines.AddRange(FleetLines(relay, relays));
        return lines;
    }

    /// <summary>
    /// A fleet relay's name, whether it is draining, and every relay of the fleet, itself included (FLEET-CONTRACT:
    /// <c>Relay__Name</c>, <c>Relay__Draining</c>, <c>Relay__Fleet__&lt;i&gt;__Name|Url|Region|Latitude|Longitude|Draining</c>).
    /// A single relay gets none of these: it names itself, as before.
    /// </summary>
    private static IEnumerable<string> FleetLines(RelaySite relay, IReadOnlyList<RelaySite> relays)
    {
        yield return $"Relay__Name={relay.Name}";
        if (relay.Draining) yield return "Relay__Draining=true";
        for (var i = 0; i < relays.Count; i++)
        {
            var r = relays[i];
            var at = $"Relay__Fleet__{i.ToString(CultureInfo.InvariantCulture)}__";
            yield return $"{at}Name={r.Name}";
            yield return $"{at}Url={r.BaseUrl}";
            yield return $"{at}Region={r.Host.Location}";
            yield return $"{at}Latitude={r.Region!.LatitudeText}";
            yield return $"{at}Longitude={r.Region!.LongitudeText}";
            if (r.Draining) yield return $"{at}Draining=true";
        }
    }
}
