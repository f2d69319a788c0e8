namespace VoiceEdge.Infra.Settings;

/// <summary>
/// Which Cloudflare monitoring features a zone's plan has. Sources:
/// - standalone health checks: developers.cloudflare.com/health-checks ("Availability": Pro, Business and
///   Enterprise; not Free);
/// - notification webhooks: developers.cloudflare.com/notifications/get-started/configure-webhooks
///   ("Availability": needs at least one zone on a Pro plan or above);
/// - the Origin Error Rate Alert (<c>http_alert_origin_error</c>): the notifications catalogue lists it for
///   Enterprise plans only, and its API needs <c>filters.zones</c> and <c>filters.slo</c> (99.7, 99.8 or 99.9).
/// Azure monitoring (Application Insights availability tests, the Azure Monitor agent and log alert, the action
/// group's emails and webhook) needs no Cloudflare plan and is declared on every plan.
/// </summary>
public static class PlanFeatures
{
    public static bool HasHealthChecks(ZonePlan plan) => plan >= ZonePlan.Pro;

    public static bool HasNotificationWebhooks(ZonePlan plan) => plan >= ZonePlan.Pro;

    public static bool HasOriginErrorAlert(ZonePlan plan) => plan == ZonePlan.Enterprise;
}
