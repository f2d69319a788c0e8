using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Zone-wide settings and the voice rate limit: only in the stack that owns the zone, because two stacks
/// managing them would fight forever. Kept on destroy, and protected in prod. (Alerts: MonitoringResources.)
/// </summary>
public static class ZoneResources
{
    public static void Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Zone is not { } zone || s.Edge is not { } edge) return;
        var keep = new ResourceOptions { RetainOnDelete = true, Protect = s.IsProduction };

        // Drift: values are the strings the API returns (GET /zones/<id>/settings/<setting> answers "on", "strict",
        // "1.2"), so a refresh reads back what is declared. No ignoreChanges here on purpose: pulumi-cloudflare #1319
        // (open) reports that an options-only change to a ZoneSetting makes the provider PATCH an empty value, which
        // the API refuses with error 1007; adding ignoreChanges later would be exactly such a change. pulumi-cloudflare
        // #1211 (`value` as DynamicPseudoType) is fixed before 6.22.1.
        context.Define("zoneWebsockets", Concern.Zone, new ZoneSetting { ZoneId = edge.ZoneId, SettingId = "websockets", Value = "on" }, keep);
        context.Define("zoneSslStrict", Concern.Zone, new ZoneSetting { ZoneId = edge.ZoneId, SettingId = "ssl", Value = "strict" }, keep);
        context.Define("zoneAlwaysHttps", Concern.Zone, new ZoneSetting { ZoneId = edge.ZoneId, SettingId = "always_use_https", Value = "on" }, keep);
        context.Define("zoneMinTls", Concern.Zone, new ZoneSetting { ZoneId = edge.ZoneId, SettingId = "min_tls_version", Value = "1.2" }, keep);

        // A zone has one http_ratelimit entry point, and creating another fails. With rateLimitRulesetId set, the
        // program adopts the existing one (Pulumi `import`). The ruleset's rules become exactly the declared ones
        // (since pulumi/pulumi#19339 a differing import succeeds and then updates), so the user's rules are declared
        // first from rateLimitKeptRules, which adoption requires (`[]` to replace them), and ours comes last.
        // The import id is the provider's: `zones/<zone id>/<ruleset id>` (ruleset.d.ts of @pulumi/cloudflare 6.22.1, "## Import").
        var rateLimitOptions = keep with { Import = zone.RateLimitRulesetId is { } adopted ? $"zones/{edge.ZoneId}/{adopted}" : null };
        context.Define("voiceRateLimit", Concern.Zone, new Ruleset
        {
            ZoneId = edge.ZoneId,
            Name = "voice-edge rate limits",
            Description = "Rate limits on the voice WebSocket paths of every voice-edge environment in this zone",
            Kind = "zone",
            Phase = "http_ratelimit",
            Rules =
            [
                .. zone.KeptRateLimitRules.Select(Kept),
                new RulesetRule
                {
                    Ref = RateLimitAdoption.OurRuleRef,
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

    private static RulesetRule Kept(KeptRateLimitRule rule) => new()
    {
        Ref = rule.Ref,
        Description = rule.Description,
        Expression = rule.Expression,
        Action = rule.Action,
        Enabled = rule.Enabled,
        Ratelimit = new RulesetRuleRatelimit
        {
            Characteristics = rule.Characteristics,
            Period = rule.Period,
            RequestsPerPeriod = rule.RequestsPerPeriod,
            MitigationTimeout = rule.MitigationTimeout,
        },
    };

    /// <summary>Free plans may only match on the path, so this uses nothing else.</summary>
    internal static string VoicePathExpression(IReadOnlyList<string> paths) =>
        paths.Count == 1
            ? $"http.request.uri.path eq \"{paths[0]}\""
            : $"http.request.uri.path in {{{string.Join(" ", paths.Select(p => $"\"{p}\""))}}}";
}
