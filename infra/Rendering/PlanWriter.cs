using System.Text;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Rendering;

/// <summary>The readable offline plan: what a stack would create, grouped by concern, and its outputs.</summary>
public static class PlanWriter
{
    private static readonly (Concern Concern, string Title)[] Sections =
    [
        (Concern.Zone, "Zone (kept on destroy; only in the stack that owns the zone)"),
        (Concern.Edge, "Edge (DNS-only ws record, Worker, route)"),
        (Concern.RelayHost, "Relay host (Azure)"),
        (Concern.RelayDeploy, "Relay deploy (package blob + Azure Run Command, no inbound SSH; re-runs when the relay or its settings change)"),
        (Concern.Preview, "Preview (Worker alone on workers.dev)"),
        (Concern.Monitoring, "Monitoring (Azure availability tests and log alert on every plan; Cloudflare health checks and alerts by plan)"),
    ];

    public static string Write(StackSettings settings, PulumiProgram program)
    {
        var sb = new StringBuilder();
        sb.Append($"voice-edge plan for stack {settings.StackName} ({Describe(settings)})\n");
        sb.Append($"providers: {string.Join(", ", ProviderVersions.ByPackage.Select(p => $"{p.Key} {p.Value}"))}\n");
        if (settings.IsFleet)
        {
            sb.Append($"\nrelays ({settings.Relays.Count}; shared resources in {settings.RelayHost!.Location})\n");
            foreach (var r in settings.Relays)
                sb.Append($"  {r.Name}  {r.Host.Location} ({r.Region!.LatitudeText}, {r.Region.LongitudeText})  {r.Host.VmSize}  {r.BaseUrl}  {r.VoiceBackends.Count} voice backend{(r.VoiceBackends.Count == 1 ? "" : "s")}{(r.Draining ? "  [draining: out of the choice for new calls]" : "")}\n");
        }
        foreach (var (concern, title) in Sections)
        {
            var resources = program.Resources.Where(r => r.Concern == concern).ToList();
            if (resources.Count == 0) continue;
            sb.Append($"\n{title}\n");
            foreach (var r in resources)
            {
                var flags = new List<string>();
                if (r.Options.Protect) flags.Add("protected");
                if (r.Options.RetainOnDelete) flags.Add("kept on destroy");
                if (r.Options.Import is { } importId) flags.Add($"adopts existing {importId}");
                if (r.Options.IgnoreChanges.Count > 0) flags.Add($"ignores changes to {string.Join(", ", r.Options.IgnoreChanges)}");
                if (r.Options.ReplaceOnChanges.Count > 0) flags.Add($"replaced on changes to {string.Join(", ", r.Options.ReplaceOnChanges)}");
                if (r.Options.DeleteBeforeReplace) flags.Add("deleted before its replacement is created");
                var type = r.Args.TypeToken[(r.Args.TypeToken.LastIndexOf(':') + 1)..];
                sb.Append($"  + {r.Name}  {r.Args.Package} {type}{(flags.Count > 0 ? $"  [{string.Join(", ", flags)}]" : "")}\n");
                foreach (var (path, value) in Flatten("", ValueTree.OfArgs(r.Args)))
                    sb.Append($"      {path}: {value}\n");
            }
        }
        if (program.Config.Count > 0)
            sb.Append($"\nsecrets (referenced from stack config, never shown): {string.Join(", ", program.Config.Select(c => c.Key))}\n");
        sb.Append("\noutputs\n");
        foreach (var o in program.Outputs)
            sb.Append($"  {o.Name}: {o.Value}\n");
        sb.Append($"\n{program.Resources.Count} resources\n");
        return sb.ToString();
    }

    private static string Describe(StackSettings s) => s switch
    {
        { Preview: { } p } => $"preview: Worker on workers.dev bound to {p.RelayUrl}",
        { IsFleet: true, Zone: not null, Edge: { } e } => $"full, {s.Relays.Count} relays; owns zone {e.ZoneName}",
        { IsFleet: true, Edge: { } e } => $"full, {s.Relays.Count} relays; zone {e.ZoneName} owned by another stack",
        { Zone: not null, Edge: { } e } => $"full; owns zone {e.ZoneName}",
        { Edge: { } e } => $"full; zone {e.ZoneName} owned by another stack",
        _ => "full",
    };

    private static IEnumerable<(string Path, string Value)> Flatten(string prefix, object? value)
    {
        switch (value)
        {
            case List<KeyValuePair<string, object?>> map when map.Count == 1 && map[0].Key.StartsWith("fn::", StringComparison.Ordinal):
                yield return (prefix, $"{map[0].Key}({Inline(map[0].Value)})");
                break;
            case List<KeyValuePair<string, object?>> map:
                foreach (var (key, v) in map)
                foreach (var item in Flatten(prefix.Length == 0 ? key : $"{prefix}.{key}", v))
                    yield return item;
                break;
            case List<object?> list when list.All(i => i is string or bool or int or double):
                yield return (prefix, $"[{string.Join(", ", list.Select(Inline))}]");
                break;
            case List<object?> list:
                for (var i = 0; i < list.Count; i++)
                foreach (var item in Flatten($"{prefix}[{i}]", list[i]))
                    yield return item;
                break;
            default:
                yield return (prefix, Inline(value));
                break;
        }
    }

    private static string Inline(object? value) => value switch
    {
        string s when s.Contains('\n') => "| " + string.Join(" ⏎ ", s.TrimEnd('\n').Split('\n')),
        string s => s,
        bool b => b ? "true" : "false",
        List<KeyValuePair<string, object?>> map when map.Count == 1 && map[0].Key.StartsWith("fn::", StringComparison.Ordinal) => $"{map[0].Key}({Inline(map[0].Value)})",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
