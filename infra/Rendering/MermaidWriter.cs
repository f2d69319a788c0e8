using System.Text;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Rendering;

/// <summary>How a pull request touches a resource; the PR comment's diagram marks each.</summary>
public enum ResourceChange { Added, Changed, Removed }

/// <summary>
/// The stack as a Mermaid flowchart: one subgraph per plan group, the resource names as node labels, and the
/// path a call takes (browser → Cloudflare → Worker → ws record → VM/Caddy → relay → backend; Twilio → ws record).
/// Path edges are drawn only between resources the stack declares, so a preview stack draws its own, shorter path.
/// </summary>
public static class MermaidWriter
{
    private sealed record Group(string Id, string Title, Func<Resource, bool> Holds);

    private static readonly Group[] Groups =
    [
        new("zone", "Zone (kept on destroy)", r => r.Concern == Concern.Zone),
        new("edge", "Edge: Worker and route", r => r.Concern == Concern.Edge && r.Args is not DnsRecord),
        new("dns", "DNS-only ws record", r => r.Concern == Concern.Edge && r.Args is DnsRecord),
        new("host", "Relay host VM (Azure)", r => r.Concern == Concern.RelayHost),
        new("deploy", "Relay deploy (Run Command)", r => r.Concern == Concern.RelayDeploy),
        new("preview", "Preview: Worker on workers.dev", r => r.Concern == Concern.Preview),
        new("monitoring", "Monitoring", r => r.Concern == Concern.Monitoring),
    ];

    /// <summary>Resources the call path runs through; the others are laid out in rows of <see cref="GridWidth"/> by invisible links.</summary>
    private static readonly HashSet<string> OnPath = ["workerRoute", "worker", "relayDns", "relayIp", "relayVm", "relayInstall"];

    private const int GridWidth = 4;

    private static readonly Dictionary<ResourceChange, string> ClassOf = new()
    {
        [ResourceChange.Added] = "added",
        [ResourceChange.Changed] = "changed",
        [ResourceChange.Removed] = "removed",
    };

    public static string Write(StackSettings settings, PulumiProgram program, IReadOnlyDictionary<string, ResourceChange>? changes = null)
    {
        changes ??= new Dictionary<string, ResourceChange>();
        var declared = program.Resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append("flowchart LR\n");
        sb.Append($"  %% voice-edge stack {settings.StackName}: `infra/voice-edge plan {settings.StackName} --format mermaid`\n");

        sb.Append("  x_browser([\"Browser\"])\n");
        if (settings.Edge is not null) sb.Append("  x_twilio([\"Twilio Media Streams\"])\n");
        sb.Append($"  x_cloudflare{{{{\"Cloudflare{(settings.Edge is { } e ? $" · {Text(e.PublicHost)}" : " · workers.dev")}\"}}}}\n");
        if (settings.IsFleet)
        {
            foreach (var relay in settings.Relays)
                sb.Append($"  {RelayNode(relay)}([\"relay {Text(relay.Name)} · {Text(relay.Region!.DisplayName)}{(relay.Draining ? " · draining" : "")}\"])\n  {BackendNode(relay)}([\"voice backend · {Text(relay.Name)}\"])\n");
        }
        else
        {
            sb.Append(settings.Preview is { } p
                ? $"  x_relay([\"existing relay<br/>{Text(p.RelayUrl)}\"])\n"
                : "  x_relay([\"relay · Kestrel behind Caddy\"])\n  x_backend([\"voice backend\"])\n");
        }

        var onPath = settings.IsFleet ? FleetOnPath(settings) : OnPath;
        foreach (var group in settings.IsFleet ? FleetGroups(settings) : Groups)
        {
            var members = program.Resources.Where(group.Holds).ToList();
            if (members.Count == 0) continue;
            sb.Append($"  subgraph {group.Id}[\"{group.Title}\"]\n");
            foreach (var r in members) sb.Append($"    {Node(r)}\n");
            foreach (var row in members.Select(r => r.Name).Where(n => !onPath.Contains(n)).Chunk(GridWidth).Where(row => row.Length > 1))
                sb.Append($"    {string.Join(" ~~~ ", row.Select(Id))}\n");
            sb.Append("  end\n");
        }

        var removed = changes.Where(c => c.Value == ResourceChange.Removed && !declared.Contains(c.Key)).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        if (removed.Count > 0)
        {
            sb.Append("  subgraph gone[\"Removed by this change\"]\n");
            foreach (var name in removed) sb.Append($"    {Id(name)}[\"{Text(name)}\"]\n");
            sb.Append("  end\n");
        }

        foreach (var edge in settings.IsFleet ? FleetPathEdges(settings, declared) : PathEdges(settings, declared)) sb.Append($"  {edge}\n");

        sb.Append("  classDef external fill:#f5f5f5,stroke:#888,color:#222\n");
        if (settings.IsFleet)
            sb.Append("  class x_browser,x_cloudflare,x_twilio,").Append(string.Join(',', settings.Relays.SelectMany(r => new[] { RelayNode(r), BackendNode(r) }))).Append(" external\n");
        else
            sb.Append("  class x_browser,x_cloudflare,x_relay").Append(settings.Edge is not null ? ",x_twilio" : "").Append(settings.Preview is null ? ",x_backend" : "").Append(" external\n");
        if (changes.Count > 0)
        {
            sb.Append("  classDef added fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#111\n");
            sb.Append("  classDef changed fill:#fff8c5,stroke:#9a6700,stroke-width:2px,color:#111\n");
            sb.Append("  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-width:2px,stroke-dasharray:4 3,color:#111\n");
            foreach (var (change, cls) in ClassOf)
            {
                var names = changes.Where(c => c.Value == change && (declared.Contains(c.Key) || change == ResourceChange.Removed))
                    .Select(c => Id(c.Key)).Order(StringComparer.Ordinal).ToList();
                if (names.Count > 0) sb.Append($"  class {string.Join(',', names)} {cls}\n");
            }
        }
        return sb.ToString();
    }

    private static IEnumerable<string> PathEdges(StackSettings s, HashSet<string> declared)
    {
        bool Has(params string[] names) => names.All(declared.Contains);
        var prefix = Text(s.RoutePrefix);
        if (Has("worker"))
        {
            yield return $"x_browser -->|\"wss {prefix}/ws\"| x_cloudflare";
            yield return Has("workerRoute") ? $"x_cloudflare -->|\"route\"| {Id("workerRoute")} --> {Id("worker")}" : $"x_cloudflare --> {Id("worker")}";
        }
        if (s.Preview is not null)
        {
            if (Has("worker")) yield return $"{Id("worker")} -->|\"RELAY_URL\"| x_relay";
            yield break;
        }
        if (Has("worker", "relayDns")) yield return $"{Id("worker")} -->|\"https/wss to relay\"| {Id("relayDns")}";
        if (Has("relayDns")) yield return $"x_twilio -->|\"wss /twilio/stream\"| {Id("relayDns")}";
        if (Has("relayDns", "relayIp")) yield return $"{Id("relayDns")} -->|\"CNAME\"| {Id("relayIp")}";
        if (Has("relayIp", "relayVm")) yield return $"{Id("relayIp")} --> {Id("relayVm")}";
        if (Has("relayVm")) yield return $"{Id("relayVm")} -->|\"Caddy :443\"| x_relay";
        yield return "x_relay -->|\"voice upstream\"| x_backend";
        if (Has("relayInstall")) yield return $"{Id("relayInstall")} -.->|\"installs\"| x_relay";
    }

    /// <summary>
    /// A fleet's groups: as a single relay's, except that the relay hosts get one subgraph per relay (named and placed)
    /// beside the shared one (the resource group), so the diagram shows every relay and which VM is whose.
    /// </summary>
    private static IEnumerable<Group> FleetGroups(StackSettings s)
    {
        bool OfRelay(Resource r, RelaySite relay) => r.Name.EndsWith($"-{relay.Name}", StringComparison.Ordinal);
        foreach (var group in Groups)
        {
            if (group.Id == "dns")
            {
                yield return group with { Title = "DNS-only ws records, one per relay" };
                continue;
            }
            if (group.Id != "host")
            {
                yield return group;
                continue;
            }
            yield return new("host", "Relay hosts (Azure): shared", r => r.Concern == Concern.RelayHost && !s.Relays.Any(relay => OfRelay(r, relay)));
            foreach (var relay in s.Relays)
            {
                yield return new($"host_{relay.Name}", $"Relay {Text(relay.Name)} · {Text(relay.Region!.DisplayName)} ({Text(relay.Host.VmSize)}){(relay.Draining ? " · draining" : "")}",
                    r => r.Concern == Concern.RelayHost && OfRelay(r, relay));
            }
        }
    }

    private static HashSet<string> FleetOnPath(StackSettings s) =>
        ["workerRoute", "worker", .. s.Relays.SelectMany(r => new[] { r.Named("relayDns"), r.Named("relayIp"), r.Named("relayVm"), r.InstallName })];

    /// <summary>A fleet's call paths: the Worker to every relay's record (RELAYS; dotted while draining), Twilio to every record, each record to its own VM, relay and backend.</summary>
    private static IEnumerable<string> FleetPathEdges(StackSettings s, HashSet<string> declared)
    {
        bool Has(params string[] names) => names.All(declared.Contains);
        var prefix = Text(s.RoutePrefix);
        if (Has("worker"))
        {
            yield return $"x_browser -->|\"wss {prefix}/ws\"| x_cloudflare";
            yield return Has("workerRoute") ? $"x_cloudflare -->|\"route\"| {Id("workerRoute")} --> {Id("worker")}" : $"x_cloudflare --> {Id("worker")}";
        }
        foreach (var relay in s.Relays)
        {
            string dns = relay.Named("relayDns"), ip = relay.Named("relayIp"), vm = relay.Named("relayVm"), install = relay.InstallName;
            if (Has("worker", dns))
                yield return relay.Draining
                    ? $"{Id("worker")} -.->|\"RELAYS {Text(relay.Name)} (draining)\"| {Id(dns)}"
                    : $"{Id("worker")} -->|\"RELAYS {Text(relay.Name)}\"| {Id(dns)}";
            if (Has(dns)) yield return $"x_twilio -->|\"wss /twilio/stream\"| {Id(dns)}";
            if (Has(dns, ip)) yield return $"{Id(dns)} -->|\"CNAME\"| {Id(ip)}";
            if (Has(ip, vm)) yield return $"{Id(ip)} --> {Id(vm)}";
            if (Has(vm)) yield return $"{Id(vm)} -->|\"Caddy :443\"| {RelayNode(relay)}";
            yield return $"{RelayNode(relay)} -->|\"voice upstream\"| {BackendNode(relay)}";
            if (Has(install)) yield return $"{Id(install)} -.->|\"installs\"| {RelayNode(relay)}";
        }
    }

    private static string RelayNode(RelaySite relay) => $"x_relay_{relay.Name}";

    private static string BackendNode(RelaySite relay) => $"x_backend_{relay.Name}";

    private static string Node(Resource r)
    {
        var type = r.Args.TypeToken[(r.Args.TypeToken.LastIndexOf(':') + 1)..];
        return $"{Id(r.Name)}[\"{Text(r.Name)}<br/><small>{Text(r.Args.Package)} {Text(type)}</small>\"]";
    }

    /// <summary>Node ids carry a prefix so no resource name can collide with a Mermaid keyword (end, graph, class).</summary>
    private static string Id(string resourceName) =>
        "r_" + new string([.. resourceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    /// <summary>Quoted label text: Mermaid ends a label at a double quote, so quotes and markup become entities.</summary>
    private static string Text(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("\"", "#quot;", StringComparison.Ordinal)
         .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
