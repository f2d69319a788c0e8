namespace VoiceEdge.Infra.Settings;

/// <summary>
/// What each Cloudflare plan allows in a rate limiting rule, from the availability table of
/// developers.cloudflare.com/waf/rate-limiting-rules (cloudflare-docs
/// src/content/partials/waf/rate-limiting-availability-by-plan.mdx): Free a 10 s period and 10 s mitigation
/// timeout and one rule; Pro periods up to 1 min and timeouts up to 1 h, two rules; Business periods up to
/// 10 min and timeouts up to 1 day, five rules; Enterprise periods up to 65,535 s and timeouts up to 1 day,
/// 100 rules. "Up to" means the supported values below that bound, not any number.
/// </summary>
public static class RateLimitPlanRules
{
    /// <summary>The values Cloudflare supports for periods and mitigation timeouts (footnote 3 of the table), in seconds.</summary>
    public static readonly IReadOnlyList<int> SupportedValues =
        [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400];

    public static IReadOnlyList<int> AllowedPeriods(ZonePlan plan) => plan switch
    {
        ZonePlan.Free => [10],
        ZonePlan.Pro => UpTo(60),
        ZonePlan.Business => UpTo(600),
        _ => UpTo(65535),
    };

    public static IReadOnlyList<int> AllowedMitigationTimeouts(ZonePlan plan) => plan switch
    {
        ZonePlan.Free => [10],
        ZonePlan.Pro => UpTo(3600),
        _ => UpTo(86400),
    };

    /// <summary>How many rate limiting rules the zone's <c>http_ratelimit</c> entry point may hold.</summary>
    public static int MaxRules(ZonePlan plan) => plan switch
    {
        ZonePlan.Free => 1,
        ZonePlan.Pro => 2,
        ZonePlan.Business => 5,
        _ => 100,
    };

    private static List<int> UpTo(int max) => [.. SupportedValues.Where(v => v <= max)];
}
