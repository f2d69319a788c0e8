namespace VoiceEdge.Infra.Contracts;

/// <summary>
/// The Cloudflare provider's rules for the types the program emits. Names: pulumi/pulumi-cloudflare
/// <c>provider/resources.go</c> never calls SetAutonaming or AutoName, so nothing is auto-named (names are required
/// inputs the program sets). Replacement and write-only inputs: cloudflare/terraform-provider-cloudflare v5.19.1, the
/// <c>upstream</c> commit (b2277b8b) of pulumi-cloudflare's newest mirrored revision (6.22.1's could not be read);
/// the lines cited are the same in v5.22.0, except workers_script_subdomain's two attributes, which swap places
/// (33-41). Every input not listed updates in place. Permissions: as the dashboard's API token editor names them;
/// the Cloudflare API reference lists, per operation, the "Accepted Permissions" (developers.cloudflare.com/api/).
/// </summary>
internal static class CloudflareContracts
{
    private const string Names = "pulumi/pulumi-cloudflare provider/resources.go (no SetAutonaming/AutoName; names are required inputs the program sets)";
    private const string Tf = "cloudflare/terraform-provider-cloudflare v5.19.1 internal/services";

    private static ForcesReplacement New(string input, string file, string lines) => new(input, $"{Tf}/{file}:{lines} (RequiresReplace)");

    private static DeployPermissions Token(string permission, string api) => new([permission], [permission], [permission], $"developers.cloudflare.com/api/resources/{api}");

    public static IReadOnlyList<ProviderContract> All =>
    [
        new("cloudflare:index/zoneSetting:ZoneSetting", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("settingId", "zone_setting/schema.go", "34-37"), New("zoneId", "zone_setting/schema.go", "39-42")],
            InPlace = ["value"],
            WriteOnly = [],
            Permissions = Token("Zone > Zone Settings > Edit", "zones/subresources/settings/methods/edit/"),
        },
        new("cloudflare:index/dnsRecord:DnsRecord", new NotAutoNamed(), Names)
        {
            // name, content, proxied, ttl and comment update in place: a new VM's fqdn only edits the record.
            ForcesReplacement = [New("zoneId", "dns_record/schema.go", "44-47"), New("type", "dns_record/schema.go", "70-98")],
            InPlace = ["name", "content", "proxied", "ttl", "comment"],
            WriteOnly = [],
            Permissions = Token("Zone > DNS > Edit", "dns/subresources/records/methods/edit/"),
        },
        new("cloudflare:index/workersScript:WorkersScript", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("scriptName", "workers_script/schema.go", "44-47"), New("accountId", "workers_script/schema.go", "49-52")],
            InPlace = ["content", "contentSha256", "mainModule", "compatibilityDate", "compatibilityFlags", "bindings", "observability"],
            WriteOnly =
            [
                new("bindings.text",
                    "secret_text values are not returned by the API; Read restores them from state, and every Create and Update uploads the whole script with every binding from the plan, so an update carries the secrets",
                    $"{Tf}/workers_script/schema.go:293-297 (Sensitive), resource.go:152-217 (Update: MarshalMultipart of the plan), 319-321 (restored from state)"),
            ],
            Permissions = Token("Account > Workers Scripts > Edit", "workers/subresources/scripts/methods/update/"),
        },
        new("cloudflare:index/workersRoute:WorkersRoute", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("zoneId", "workers_route/schema.go", "33-36")],
            InPlace = ["pattern", "script"],
            WriteOnly = [],
            Permissions = Token("Zone > Workers Routes > Edit", "workers/subresources/routes/methods/update/"),
        },
        new("cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("scriptName", "workers_script_subdomain/schema.go", "32-35"), New("accountId", "workers_script_subdomain/schema.go", "37-40")],
            InPlace = ["enabled", "previewsEnabled"],
            WriteOnly = [],
            Permissions = Token("Account > Workers Scripts > Edit", "workers/subresources/scripts/subresources/subdomain/methods/create/"),
        },
        new("cloudflare:index/ruleset:Ruleset", new NotAutoNamed(), Names)
        {
            // rules update in place (a rate-limit change edits the entry point's rules).
            ForcesReplacement =
            [
                New("zoneId", "ruleset/schema.go", "60-69"), New("kind", "ruleset/schema.go", "71-82"),
                New("name", "ruleset/schema.go", "84-90"), New("phase", "ruleset/schema.go", "92-123"),
            ],
            InPlace = ["description", "rules"],
            WriteOnly = [],
            Permissions = Token("Zone > Zone WAF > Edit", "rulesets/methods/update/ (the http_ratelimit phase)"),
        },
        new("cloudflare:index/notificationPolicy:NotificationPolicy", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("accountId", "notification_policy/schema.go", "42-45")],
            InPlace = ["name", "description", "alertType", "enabled", "mechanisms", "filters"],
            WriteOnly = [],
            Permissions = Token("Account > Notifications > Edit", "alerting/subresources/policies/methods/update/"),
        },
        new("cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("accountId", "notification_policy_webhooks/schema.go", "38-41")],
            // secret (51-55) is sensitive and never returned; the program sets none. url is not sensitive: the API returns it.
            InPlace = ["name", "url"],
            WriteOnly = [],
            Permissions = Token("Account > Notifications > Edit", "alerting/subresources/destinations/subresources/webhooks/methods/update/"),
        },
        new("cloudflare:index/healthcheck:Healthcheck", new NotAutoNamed(), Names)
        {
            ForcesReplacement = [New("zoneId", "healthcheck/schema.go", "41-44")],
            InPlace = ["name", "description", "address", "type", "httpConfig", "interval", "timeout", "retries", "consecutiveFails", "consecutiveSuccesses"],
            WriteOnly = [],
            Permissions = Token("Zone > Health Checks > Edit", "healthchecks/methods/update/"),
        },
    ];
}
