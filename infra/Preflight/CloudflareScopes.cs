using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Preflight;

/// <summary>A token permission the stack's resources need, and a read endpoint that answers 403 without it.</summary>
/// <param name="Permission">As the dashboard's token editor names it (Account/Zone &gt; group &gt; level).</param>
public sealed record CloudflareScope(string What, string Permission, string ProbePath);

/// <summary>
/// Which permissions a stack needs. Token verify does not list a token's permissions, so each is probed with
/// a read of the same permission group: the Cloudflare API reference names, per operation, the "Accepted
/// Permissions" (developers.cloudflare.com/api/resources/...). A read proves the group is granted; whether it
/// is granted at Edit level shows only on the first write, which is why the fixes name the Edit level.
/// </summary>
public static class CloudflareScopes
{
    public static IReadOnlyList<CloudflareScope> For(StackSettings settings)
    {
        var account = settings.AccountId;
        // developers.cloudflare.com/api/resources/workers/subresources/scripts/methods/list/
        var scopes = new List<CloudflareScope>
        {
            new("Worker scripts", "Account > Workers Scripts > Edit", $"/accounts/{account}/workers/scripts"),
        };
        if (settings.Edge is { } edge)
        {
            // developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/
            scopes.Add(new("DNS records", "Zone > DNS > Edit", $"/zones/{edge.ZoneId}/dns_records?per_page=5"));
            // developers.cloudflare.com/api/resources/workers/subresources/routes/methods/list/
            scopes.Add(new("Worker routes", "Zone > Workers Routes > Edit", $"/zones/{edge.ZoneId}/workers/routes"));
        }
        if (settings.Zone is { } zone && settings.Edge is { } owned)
        {
            // developers.cloudflare.com/api/resources/zones/subresources/settings/methods/get/
            scopes.Add(new("zone settings", "Zone > Zone Settings > Edit", $"/zones/{owned.ZoneId}/settings/ssl"));
            // developers.cloudflare.com/api/resources/alerting/subresources/policies/methods/list/
            scopes.Add(new("notification policies", "Account > Notifications > Edit", $"/accounts/{account}/alerting/v3/policies"));
            // Standalone health checks are a Pro-and-above feature the zone owner declares on those plans
            // (developers.cloudflare.com/health-checks/): developers.cloudflare.com/api/resources/healthchecks/methods/list/
            if (zone.Plan != ZonePlan.Free)
                scopes.Add(new("health checks", "Zone > Health Checks > Edit", $"/zones/{owned.ZoneId}/healthchecks"));
        }
        return scopes;
    }
}
