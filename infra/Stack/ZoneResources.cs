using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using VoiceEdge.Infra.Settings;
using static VoiceEdge.Infra.Stack.StackContext;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Zone-wide settings, the voice rate limit and 5xx alerts: only in the stack that owns the zone, because two
/// stacks managing them would fight forever. Kept on destroy, and protected in prod.
/// </summary>
public static class ZoneResources
{
    public static IEnumerable<Resource> Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Zone is not { } zone || s.Edge is not { } edge) yield break;
        var keep = new ResourceOptions { RetainOnDelete = true, Protect = s.IsProduction };

        yield return Define("zoneWebsockets", Concern.Zone, new ZoneSetting(edge.ZoneId, "websockets", "on"), keep);
        yield return Define("zoneSslStrict", Concern.Zone, new ZoneSetting(edge.ZoneId, "ssl", "strict"), keep);
        yield return Define("zoneAlwaysHttps", Concern.Zone, new ZoneSetting(edge.ZoneId, "always_use_https", "on"), keep);
        yield return Define("zoneMinTls", Concern.Zone, new ZoneSetting(edge.ZoneId, "min_tls_version", "1.2"), keep);

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
        }, keep);

        yield return Define("alertWebhook", Concern.Zone,
            new NotificationPolicyWebhooks(s.AccountId, $"voice-edge {edge.ZoneName} alerts", Expr.Config(ConfigKeys.Unqualified(ConfigKeys.AlertWebhookUrl))),
            keep);
        yield return Define("originErrorAlerts", Concern.Zone, new NotificationPolicy
        {
            AccountId = s.AccountId,
            Name = $"voice-edge {edge.ZoneName}: origin 5xx errors",
            Description = "HTTP 5xx error rate from the voice origin (Worker and relay) rises above normal",
            AlertType = "http_alert_origin_error",
            Enabled = true,
            Mechanisms = new NotificationPolicyMechanisms(
                [.. zone.AlertEmails.Select(e => new MechanismId(e))],
                [new MechanismId(Expr.Output("alertWebhook", "id"))]),
            Filters = new NotificationPolicyFilters([edge.ZoneId]),
        }, keep);
    }

    /// <summary>Free plans may only match on the path, so this uses nothing else.</summary>
    internal static string VoicePathExpression(IReadOnlyList<string> paths) =>
        paths.Count == 1
            ? $"http.request.uri.path eq \"{paths[0]}\""
            : $"http.request.uri.path in {{{string.Join(" ", paths.Select(p => $"\"{p}\""))}}}";
}
