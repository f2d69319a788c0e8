using System.Text.Json;

namespace VoiceEdge.Infra.Settings;

/// <summary>A rule of an adopted <c>http_ratelimit</c> entry point that the user keeps next to ours.</summary>
public sealed record KeptRateLimitRule(
    string Ref,
    string Description,
    string Expression,
    string Action,
    bool Enabled,
    IReadOnlyList<string> Characteristics,
    int Period,
    int RequestsPerPeriod,
    int MitigationTimeout);

/// <summary>
/// Adopting an existing <c>http_ratelimit</c> entry point (<c>rateLimitRulesetId</c>). A zone has one entry point
/// per phase, and the managed ruleset's rules are exactly the declared ones: since pulumi/pulumi#19339 an
/// <c>import</c> whose inputs differ succeeds and then updates the resource to the program, so rules not declared
/// would be deleted on the first <c>pulumi up</c>. Adoption therefore needs <c>rateLimitKeptRules</c>: the
/// rules to keep, as the Rulesets API returns them (a JSON array; <c>[]</c> says "replace them all with ours").
/// </summary>
public static class RateLimitAdoption
{
    private static readonly string[] Actions = ["block", "challenge", "js_challenge", "managed_challenge", "log"];
    private static readonly string[] RuleFields = ["id", "ref", "version", "description", "expression", "action", "enabled", "ratelimit", "last_updated"];
    private static readonly string[] RatelimitFields = ["characteristics", "period", "requests_per_period", "mitigation_timeout"];

    public const string OurRuleRef = "voice_edge_ws_rate_limit";

    internal static IReadOnlyList<KeptRateLimitRule> KeptRules(ConfigReader r, ZonePlan plan, bool adopting)
    {
        string key = ConfigKeys.RateLimitKeptRules;
        var text = r.Raw(key);
        if (text is null)
        {
            if (adopting)
                r.Problem(key, $"is missing, and adopting an existing entry point replaces every rule in it with the declared ones",
                    $"list the rules to keep as the Rulesets API returns them (`[]` to replace them all): {r.SetHint(key)}");
            return [];
        }
        if (!adopting)
        {
            r.Problem(key, "only applies when adopting an existing entry point", $"set {ConfigKeys.RateLimitRulesetId} too, or remove {key}");
            return [];
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or ArgumentException) // ArgumentException: text with a lone surrogate
        {
            r.Problem(key, "is not JSON", "give a JSON array of rules, e.g. `[]` or `[{\"ref\":\"...\",\"expression\":\"...\",\"action\":\"block\",\"ratelimit\":{...}}]`");
            return [];
        }
        if (root.ValueKind != JsonValueKind.Array)
        {
            r.Problem(key, "is not a JSON array", "give the rules to keep as a JSON array (`[]` for none)");
            return [];
        }

        var max = RateLimitPlanRules.MaxRules(plan) - 1;
        if (root.GetArrayLength() > max)
        {
            r.Problem(key, $"keeps {root.GetArrayLength()} rules, but the {Name(plan)} plan allows {RateLimitPlanRules.MaxRules(plan)} rate limiting rules and voice-edge needs one",
                max == 0 ? "set it to `[]` (the existing rule is replaced by voice-edge's), or do not adopt the entry point" : $"keep at most {max}, or move to a plan with more rules");
            return [];
        }

        var rules = new List<KeptRateLimitRule>();
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var where = $"rule {index++}";
            var rule = ReadRule(r, plan, item, where);
            if (rule is not null) rules.Add(rule);
        }
        foreach (var duplicate in rules.GroupBy(x => x.Ref).Where(g => g.Count() > 1 || g.Key == OurRuleRef))
            r.Problem(key, $"ref `{duplicate.Key}` is used twice (or is voice-edge's own rule)", "give each kept rule its own ref as the API returns it, and leave voice-edge's rule out");
        return rules;
    }

    private static KeptRateLimitRule? ReadRule(ConfigReader r, ZonePlan plan, JsonElement rule, string where)
    {
        string key = ConfigKeys.RateLimitKeptRules;
        if (rule.ValueKind != JsonValueKind.Object) { r.Problem(key, $"{where} is not a JSON object", "give each rule as an object"); return null; }
        var unknown = rule.EnumerateObject().Select(p => p.Name).Where(n => !RuleFields.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            r.Problem(key, $"{where} has fields voice-edge cannot declare ({string.Join(", ", unknown)})",
                "keep such rules out of the adopted entry point (e.g. recreate them without those fields), or do not adopt it");
            return null;
        }
        var reference = String(rule, "ref");
        var expression = String(rule, "expression");
        var action = String(rule, "action");
        if (reference is null || expression is null || action is null)
        {
            r.Problem(key, $"{where} needs `ref`, `expression` and `action`", "copy the rule as GET /zones/<zone id>/rulesets/<ruleset id> returns it");
            return null;
        }
        if (!Actions.Contains(action))
        {
            r.Problem(key, $"{where} action `{action}` is not one voice-edge declares", $"use one of {string.Join(", ", Actions)}");
            return null;
        }
        if (!rule.TryGetProperty("ratelimit", out var limit) || limit.ValueKind != JsonValueKind.Object)
        {
            r.Problem(key, $"{where} has no `ratelimit` object", "an http_ratelimit entry point holds only rate limiting rules; copy its `ratelimit` too");
            return null;
        }
        var unknownLimit = limit.EnumerateObject().Select(p => p.Name).Where(n => !RatelimitFields.Contains(n)).ToList();
        if (unknownLimit.Count > 0)
        {
            r.Problem(key, $"{where} ratelimit has fields voice-edge cannot declare ({string.Join(", ", unknownLimit)})", "keep such rules out of the adopted entry point, or do not adopt it");
            return null;
        }
        var characteristics = limit.TryGetProperty("characteristics", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
            : [];
        var period = Int(limit, "period");
        var requests = Int(limit, "requests_per_period");
        var mitigation = Int(limit, "mitigation_timeout");
        if (characteristics.Count == 0 || period is null || requests is null || mitigation is null)
        {
            r.Problem(key, $"{where} ratelimit needs characteristics, period, requests_per_period and mitigation_timeout", "copy the rule's ratelimit object as the API returns it");
            return null;
        }
        if (!RateLimitPlanRules.AllowedPeriods(plan).Contains(period.Value) || !RateLimitPlanRules.AllowedMitigationTimeouts(plan).Contains(mitigation.Value))
        {
            r.Problem(key, $"{where} period {period} s / mitigation timeout {mitigation} s is not allowed on the {Name(plan)} plan",
                $"periods: {string.Join(", ", RateLimitPlanRules.AllowedPeriods(plan))}; timeouts: {string.Join(", ", RateLimitPlanRules.AllowedMitigationTimeouts(plan))}");
            return null;
        }
        var enabled = !rule.TryGetProperty("enabled", out var e) || e.ValueKind != JsonValueKind.False;
        return new KeptRateLimitRule(reference, String(rule, "description") ?? "", expression, action, enabled, characteristics, period.Value, requests.Value, mitigation.Value);
    }

    private static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString() : null;

    private static int? Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;

    private static string Name(ZonePlan plan) => plan.ToString().ToLowerInvariant();
}
