using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// Reads <c>voice-edge:relays</c>, a fleet of relays (docs: FLEET-CONTRACT, infra/README.md "A fleet of relays"):
/// a list of <c>{name, location, vmSize, voiceBackends, twilioUpstream, draining}</c>, each checked as today's
/// single-relay keys are (the name also against every provider's name limit, <see cref="RelayNameLimits"/>; the
/// region against <see cref="AzureRegions"/>; the backends by <see cref="VoiceBackendRules"/>). The single-relay keys a
/// relay states for itself (<see cref="PerRelayKeys"/>) are refused beside it, with the whole list rewritten to
/// hold them.
/// </summary>
internal static partial class RelayFleetRules
{
    public const int MaxRelays = 50;
    private static readonly string[] Fields = ["name", "location", "vmSize", "voiceBackends", "twilioUpstream", "draining"];

    /// <summary>Today's single-relay keys that a fleet states per relay, with the field each becomes.</summary>
    public static readonly IReadOnlyList<(ConfigKey Key, string Field)> PerRelayKeys =
    [
        (ConfigKeys.VmSize, "vmSize"),
        (ConfigKeys.VoiceBackends, "voiceBackends"),
        (ConfigKeys.TwilioUpstream, "twilioUpstream"),
    ];

    public const string Example = "[{name: weu, location: westeurope, voiceBackends: [{url: wss://gpu-eu.example.com:8998/api/chat, defaultQuery: {voice_prompt: NATF2.pt, text_prompt: You enjoy having a good conversation.}}]}]";

    [GeneratedRegex("^[a-z0-9]{1,12}$")] private static partial Regex NamePattern();

    public static IReadOnlyList<RelaySite> Read(ConfigReader r, StackConfig config, RelayHostSettings shared, string recordFqdn, string publicHost)
    {
        string key = ConfigKeys.Relays;
        var text = r.Raw(key);
        var writeIt = $"write it in {config.Source} as `voice-edge:relays: {Example}`";
        if (text is null || VoiceBackendRules.Json(text) is not { ValueKind: JsonValueKind.Array } list)
        {
            r.Problem(key, $"`{ConfigText.Show(text ?? "")}` is not a list of relays", writeIt);
            return [];
        }
        RefuseSingleRelayKeys(r, config, list);
        var count = list.GetArrayLength();
        if (count is 0 or > MaxRelays)
        {
            r.Problem(key, $"has {count} relays; it needs 1 to {MaxRelays}", writeIt);
            return [];
        }

        var sites = new List<RelaySite>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (Relay(r, config.Source, item, index++, shared, recordFqdn, publicHost) is { } site) sites.Add(site);
        }
        var ok = sites.Count == count;
        foreach (var twice in sites.GroupBy(s => s.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            r.Problem(key, $"names relay `{twice.Key}` {twice.Count()} times", "give each relay its own name: it names the relay's resources and DNS record");
            ok = false;
        }
        if (ok && sites.All(s => s.Draining))
        {
            r.Problem(key, "has every relay draining, so no relay would take a new call", "set `draining: false` on at least one relay (add the new relay before draining the last old one)");
            ok = false;
        }
        if (ok && System.Text.Encoding.UTF8.GetByteCount(RelayFleet.RelaysJson(sites)) is var bytes && bytes > RelayFleet.MaxBindingBytes)
        {
            r.Problem(key, $"gives the Worker a RELAYS binding of {bytes} bytes, over Cloudflare's {RelayFleet.MaxBindingBytes} bytes per Worker variable",
                "use fewer relays or shorter relay names and relayRecord (docs/scale.md, \"What breaks first\")");
            ok = false;
        }
        return ok ? sites : [];
    }

    /// <summary>
    /// A stack that sets <c>relays</c> and a single-relay key: refused on that key, with the exact rewrite (every relay
    /// entry given the value it lacks) so the stack means the same thing after it.
    /// </summary>
    private static void RefuseSingleRelayKeys(ConfigReader r, StackConfig config, JsonElement list)
    {
        var set = PerRelayKeys.Where(k => config.Get(k.Key) is not null).ToList();
        if (set.Count == 0) return;
        var rewritten = new JsonArray();
        foreach (var item in list.EnumerateArray())
        {
            var node = JsonNode.Parse(item.GetRawText());
            if (node is JsonObject entry)
            {
                foreach (var (k, field) in set)
                {
                    if (entry.ContainsKey(field)) continue;
                    var raw = r.Raw(k) ?? "";
                    entry[field] = VoiceBackendRules.Json(raw) is { ValueKind: JsonValueKind.Array } structured
                        ? JsonNode.Parse(structured.GetRawText())
                        : JsonValue.Create(raw);
                }
            }
            rewritten.Add(node);
        }
        var names = string.Join(", ", set.Select(k => k.Key.Qualified));
        // The whole list when it fits a problem line; otherwise what to move where, each value shown cut (ConfigText).
        var whole = rewritten.ToJsonString();
        var rewrite = whole.Length <= MaxRewriteLength
            ? $"rewrite {config.Source} as `voice-edge:relays: {whole}`"
            : $"in {config.Source}, give every relay of voice-edge:relays that lacks them {string.Join(", ", set.Select(k => $"`{k.Field}: {ConfigText.Show(r.Raw(k.Key) ?? "")}`"))}";
        foreach (var (k, field) in set)
        {
            r.Problem(k, $"is a single-relay key, and voice-edge:relays is set: each relay states its own `{field}`",
                $"{rewrite} and delete {names}");
        }
    }

    /// <summary>A problem line stays readable (and under the hostile tests' bound); longer rewrites are given field by field.</summary>
    private const int MaxRewriteLength = 600;

    private static RelaySite? Relay(ConfigReader r, string source, JsonElement item, int i, RelayHostSettings shared, string recordFqdn, string publicHost)
    {
        string key = ConfigKeys.Relays;
        string SetPath(string field) => $"run `pulumi config set --path 'relays[{i}].{field}' <value> -s {r.StackName}`";
        if (item.ValueKind != JsonValueKind.Object)
        {
            r.Problem(key, $"entry {i} is not an object", $"give each relay as `{{name: weu, location: westeurope, voiceBackends: [...]}}`");
            return null;
        }
        var ok = true;
        var unknown = item.EnumerateObject().Select(p => p.Name).Where(n => !Fields.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            r.Problem(key, $"entry {i} has fields a relay does not have ({ConfigText.Show(string.Join(", ", unknown))})", $"use only {string.Join(", ", Fields)} (names are case-sensitive)");
            ok = false;
        }

        var name = VoiceBackendRules.Scalar(item, "name");
        if (name is null || !NamePattern().IsMatch(name))
        {
            r.Problem(key, $"entry {i} name `{ConfigText.Show(name ?? VoiceBackendRules.Raw(item, "name"))}` is not 1-{RelayNameLimits.ContractMaxLength} lowercase letters or digits",
                $"name it for its place, e.g. `weu`; {SetPath("name")}");
            return null;
        }
        var label = $"relay {name} ";
        if (RelayNameLimits.TooLong(name) is { } tooLong)
        {
            r.Problem(key, $"{label}name is too long for the provider's names: {tooLong}", $"use at most {RelayNameLimits.MaxLength} characters; {SetPath("name")}");
            ok = false;
        }

        var location = VoiceBackendRules.Scalar(item, "location");
        var region = location is null ? null : AzureRegions.Find(location);
        if (region is null)
        {
            r.Problem(key, $"{label}location `{ConfigText.Show(location ?? VoiceBackendRules.Raw(item, "location"))}` is not an Azure region this program knows",
                $"use a region name such as westeurope, eastus or australiaeast (the list and its source: infra/Settings/AzureRegions.cs); {SetPath("location")}");
            ok = false;
        }

        var vmSize = ConfigKeys.VmSize.Fallback!;
        if (item.TryGetProperty("vmSize", out _))
        {
            var size = VoiceBackendRules.Scalar(item, "vmSize");
            if (size is null || !ConfigPatterns.VmSize().IsMatch(size))
            {
                r.Problem(key, $"{label}vmSize `{ConfigText.Show(size ?? VoiceBackendRules.Raw(item, "vmSize"))}` is not valid: it {ConfigKeys.VmSize.Rule}", SetPath("vmSize"));
                ok = false;
            }
            else vmSize = size;
        }

        var place = new BackendPlace(key, $"{label}voiceBackends ", $"relays[{i}].voiceBackends");
        IReadOnlyList<VoiceBackend> backends = [];
        var writeBackends = $"give relay {name} its voice backends in {source}, e.g. `voiceBackends: {VoiceBackendRules.PersonaPlexExample}`";
        if (!item.TryGetProperty("voiceBackends", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            r.Problem(key, $"{label}has no list of `voiceBackends`: the relay needs at least one (PersonaPlex on a GPU host)", writeBackends);
            ok = false;
        }
        else
        {
            backends = VoiceBackendRules.List(r, source, list, place, writeBackends);
            ok &= backends.Count > 0;
        }

        var twilioUpstream = backends.Count > 0 ? TwilioBesideVoice(backends[0].Url) : "";
        if (item.TryGetProperty("twilioUpstream", out _))
        {
            var upstream = VoiceBackendRules.Scalar(item, "twilioUpstream");
            if (upstream is null) { r.Problem(key, $"{label}twilioUpstream is not a URL", SetPath("twilioUpstream")); ok = false; }
            else if (ConfigReader.VoiceBackendUrlProblem(upstream) is { } bad) { r.Problem(key, $"{label}twilioUpstream {bad.Problem}", bad.Fix + SetPath("twilioUpstream")); ok = false; }
            else if (VoiceBackendRules.Unsafe(upstream) is { } why) { r.Problem(key, $"{label}twilioUpstream {why}", SetPath("twilioUpstream")); ok = false; }
            else twilioUpstream = upstream;
        }

        var draining = false;
        if (item.TryGetProperty("draining", out var d))
        {
            if (d.ValueKind is JsonValueKind.True or JsonValueKind.False) draining = d.GetBoolean();
            else { r.Problem(key, $"{label}draining `{ConfigText.Show(d.GetRawText())}` is not true or false", SetPath("draining")); ok = false; }
        }

        // <relayRecord>-<name>: the relay record's first label takes the relay's name (ws -> ws-weu.example.com).
        var dot = recordFqdn.IndexOf('.', StringComparison.Ordinal);
        var firstLabel = $"{recordFqdn[..dot]}-{name}";
        var fqdn = firstLabel + recordFqdn[dot..];
        if (firstLabel.Length > 63)
        {
            r.Problem(key, $"{label}record `{ConfigText.Show(fqdn)}` has a first label longer than 63 characters (a DNS label's limit)", $"shorten voice-edge:relayRecord or the relay's name");
            ok = false;
        }
        if (fqdn == publicHost)
        {
            r.Problem(key, $"{label}record `{ConfigText.Show(fqdn)}` is the public host; a relay record must be its own DNS-only name", "rename the relay or change voice-edge:relayRecord");
            ok = false;
        }
        var dnsLabel = $"{shared.DnsLabel}-{name}";
        if (!ConfigPatterns.DnsLabel().IsMatch(dnsLabel))
        {
            r.Problem(key, $"{label}public IP DNS label `{ConfigText.Show(dnsLabel)}` (voice-edge:relayDnsLabel-<name>) {ConfigKeys.DnsLabel.Rule}", "shorten voice-edge:relayDnsLabel or the relay's name");
            ok = false;
        }

        if (!ok) return null;
        return new RelaySite(name, shared with { Location = region!.Name, VmSize = vmSize, DnsLabel = dnsLabel }, fqdn, backends, twilioUpstream)
        {
            Region = region,
            Draining = draining,
        };
    }

    /// <summary>The Twilio media-stream endpoint of the same backend: its origin with the /twilio path.</summary>
    internal static string TwilioBesideVoice(string voice) =>
        new UriBuilder(voice) { Path = "/twilio", Query = "" }.Uri.ToString().TrimEnd('/');
}
