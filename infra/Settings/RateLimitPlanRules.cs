namespace VoiceEdge.Infra.Settings;

/// <summary>
/// What each Cloudflare plan allows in a rate limiting rule (developers.cloudflare.com/waf/rate-limiting-rules,
/// "Availability"): Free only a 10 s period and 10 s mitigation timeout; Pro adds 60 s; Business adds a
/// 600 s period and 600 s / 1 h timeouts; Enterprise allows periods up to 1 h and timeouts up to 1 day.
/// </summary>
public static class RateLimitPlanRules
{
    public static IReadOnlyList<int> AllowedPeriods(ZonePlan plan) => plan switch
    {
        ZonePlan.Free => [10],
        ZonePlan.Pro => [10, 60],
        ZonePlan.Business => [10, 60, 600],
        _ => [10, 60, 120, 300, 600, 3600],
    };

    public static IReadOnlyList<int> AllowedMitigationTimeouts(ZonePlan plan) => plan switch
    {
        ZonePlan.Free => [10],
        ZonePlan.Pro => [10, 60],
        ZonePlan.Business => [10, 60, 600, 3600],
        _ => [10, 60, 120, 300, 600, 3600, 86400],
    };
}
