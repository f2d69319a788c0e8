namespace VoiceEdge.Infra.Settings;

/// <summary>
/// The rules between stacks, over the settings each stack read alone: one owner per zone, distinct Worker routes
/// in a zone, distinct relay records in a zone, and the zone owner's rate limit covering the voice path of every full stack in the zone. A value
/// that is invalid in its own stack takes part in no rule (its own stack reports it).
/// </summary>
public static class CrossStackRules
{
    public static (StackSettings Settings, IReadOnlyList<ConfigProblem> Problems) Apply(StackReading self, IReadOnlyList<StackReading> others)
    {
        var s = self.Settings;
        if (s.Edge is not { } edge) return (s, []);
        var sameZone = others
            .Where(o => o.Settings.StackName != s.StackName && o.Settings.Edge?.ZoneId == edge.ZoneId && o.Valid(ConfigKeys.ZoneId))
            .ToList();
        var problems = new List<ConfigProblem>();

        if (s.Zone is not null)
        {
            foreach (var other in sameZone.Where(o => o.Settings.Zone is not null))
                problems.Add(new ConfigProblem(self.Source, ConfigKeys.OwnsZone,
                    $"{StackConfigSources.StackFileName(other.Settings.StackName)} also owns zone {edge.ZoneId}; two stacks managing one zone's settings would fight forever",
                    "set voice-edge:ownsZone to true in exactly one stack"));
        }

        var route = edge.RoutePattern(s.RoutePrefix);
        if (self.Valid(ConfigKeys.RoutePrefix))
        {
            foreach (var other in sameZone.Where(o => o.Valid(ConfigKeys.RoutePrefix, ConfigKeys.PublicHost, ConfigKeys.ZoneName)
                         && o.Settings.Edge!.RoutePattern(o.Settings.RoutePrefix) == route))
                problems.Add(new ConfigProblem(self.Source, ConfigKeys.RoutePrefix,
                    $"route {route} is also used by {StackConfigSources.StackFileName(other.Settings.StackName)}",
                    "give each environment sharing a zone its own voice-edge:routePrefix or voice-edge:publicHost"));
        }

        // One DNS record, one stack: a fleet's `<relayRecord>-<name>` can land on another stack's relay record
        // (prod's relay `dev` is ws-dev, dev's own record), and two stacks declaring one record would fight over it.
        if (self.Valid(ConfigKeys.RelayRecord, ConfigKeys.Relays, ConfigKeys.ZoneName))
        {
            var key = s.IsFleet ? ConfigKeys.Relays : ConfigKeys.RelayRecord;
            foreach (var other in sameZone.Where(o => o.Valid(ConfigKeys.RelayRecord, ConfigKeys.Relays, ConfigKeys.ZoneName)))
            {
                foreach (var record in s.Relays.Select(r => r.RecordFqdn).Intersect(other.Settings.Relays.Select(r => r.RecordFqdn), StringComparer.Ordinal))
                    problems.Add(new ConfigProblem(self.Source, key,
                        $"relay record {record} is also declared by {StackConfigSources.StackFileName(other.Settings.StackName)}; two stacks managing one DNS record would fight over it",
                        s.IsFleet ? "rename the relay, or give this stack its own voice-edge:relayRecord" : "give each stack sharing a zone its own voice-edge:relayRecord"));
            }
        }

        if (s.Zone is not { } zone) return (s, problems);
        var paths = new SortedSet<string>(StringComparer.Ordinal) { $"{s.RoutePrefix}/ws" };
        foreach (var other in sameZone.Where(o => o.Valid(ConfigKeys.RoutePrefix)))
            paths.Add($"{other.Settings.RoutePrefix}/ws");
        return (s with { Zone = zone with { VoicePaths = [.. paths] } }, problems);
    }
}
