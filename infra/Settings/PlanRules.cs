namespace VoiceEdge.Infra.Settings;

/// <summary>Plan/feature checks for the zone owner: a setting the zone's plan cannot use is refused, naming the fix.</summary>
internal static class PlanRules
{
    /// <summary>
    /// <c>originErrorSlo</c> only means something where the Origin Error Rate Alert exists (Enterprise); elsewhere
    /// setting it is a mismatch, not something to ignore quietly.
    /// </summary>
    public static string OriginErrorSlo(ConfigReader r, ZonePlan plan)
    {
        var value = r.Raw(ConfigKeys.OriginErrorSlo);
        if (value is null) return ConfigKeys.OriginErrorSlo.Fallback!;
        if (!PlanFeatures.HasOriginErrorAlert(plan))
        {
            r.Problem(ConfigKeys.OriginErrorSlo,
                $"the Origin Error Rate Alert is Enterprise-only and this zone's plan is {plan.ToString().ToLowerInvariant()}",
                $"remove {ConfigKeys.OriginErrorSlo}, or set {ConfigKeys.ZonePlan} to enterprise if the zone is on Enterprise");
            return ConfigKeys.OriginErrorSlo.Fallback!;
        }
        if (!ConfigKeys.OriginErrorSlo.Choices!.Contains(value))
        {
            r.Problem(ConfigKeys.OriginErrorSlo, $"`{value}` is not an SLO the Origin Error Rate Alert accepts",
                $"use one of {string.Join(", ", ConfigKeys.OriginErrorSlo.Choices!)} ({r.SetHint(ConfigKeys.OriginErrorSlo)})");
            return ConfigKeys.OriginErrorSlo.Fallback!;
        }
        return value;
    }
}
