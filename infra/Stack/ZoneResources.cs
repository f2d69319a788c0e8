using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using VoiceEdge.Infra.Settings;
using static VoiceEdge.Infra.Stack.StackContext;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Zone-wide settings and the voice rate limit: only in the stack that owns the zone, because two stacks
/// managing them would fight forever. Kept on destroy, and protected in prod. (Alerts: MonitoringResources.)
/// </summary>
public static class ZoneResources
{
    public static IEnumerable<Resource> Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Zone is not { } zone || s.Edge is not { } edge) yield break;
        var keep = new ResourceOptions { RetainOnDelete = true, Protect = s.IsProduction };

        // Drift: values are the strings the API returns (GET /zones/<id>/settings/<setting> answers "on", "strict",
        // "1.2"), so a refresh reads back what is declared. No ignoreChanges here on purpose: pulumi-cloudflare #1319
        // (open) reports that an options-only change to a ZoneSetting makes the provider PATCH an empty value, which
        // the API refuses with error 1007; adding ignoreChanges later would be exactly such a change. pulumi-cloudflare
        // #1211 (`value` as DynamicPseudoType) is fixed before 6.22.1.
        yield return Define("zoneWebsockets", Concern.Zone, new ZoneSetting(edge.ZoneId, "websockets", "on"), keep);
        yield return Define("zoneSslStrict", Concern.Zone, new ZoneSetting(edge.ZoneId, "ssl", "strict"), keep);
        yield return Define("zoneAlwaysHttps", Concern.Zone, new ZoneSetting(edge.ZoneId, "always_use_https", "on"), keep);
        yield return Define("zoneMinTls", Concern.Zone, new ZoneSetting(edge.ZoneId, "min_tls_version", "1.2"), keep);

        // A zone has one http_ratelimit entry point, and creating another fails. With rateLimitRulesetId set, the
        // program adopts the existing one (Pulumi `import`): the import fails unless the declared rules equal the
        // ruleset's rules, so nothing is taken over silently, and from then on this stack owns every rule in it.
        var rateLimitOptions = keep with { Import = zone.RateLimitRulesetId };
        yield return Define("voiceRateLimit", Concern.Zone, new Ruleset
        {
            ZoneId = edge.ZoneId,
            Name = "voice-edge rate limits",
            Description = "Rate limits on the voice WebSocket paths of every voice-edge environment in this zone",
            Kind = "zone",
            Phase = "http_ratelimit",
            Rules =
            [
                new RulesetRule
                {
                    Ref = "voice_edge_ws_rate_limit",
                    Description = $"Block more than {zone.RateLimitRequests} voice WebSocket requests per {zone.RateLimitPeriod} s per IP and colo",
                    Expression = VoicePathExpression(zone.VoicePaths),
                    Action = "block",
                    Enabled = true,
                    Ratelimit = new RulesetRuleRatelimit
                    {
                        Characteristics = ["ip.src", "cf.colo.id"],
                        Period = zone.RateLimitPeriod,
                        RequestsPerPeriod = zone.RateLimitRequests,
                        MitigationTimeout = zone.RateLimitMitigationTimeout,
                    },
                },
            ],
        }, rateLimitOptions);
    }

    /// <summary>Free plans may only match on the path, so this uses nothing else.</summary>
    internal static string VoicePathExpression(IReadOnlyList<string> paths) =>
        paths.Count == 1
            ? $"http.request.uri.path eq \"{paths[0]}\""
            : $"http.request.uri.path in {{{string.Join(" ", paths.Select(p => $"\"{p}\""))}}}";
}
