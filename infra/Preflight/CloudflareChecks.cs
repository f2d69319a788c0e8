using System.Net;
using System.Text.Json;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// The Cloudflare side: the token, the permissions the stack's resources need, the zone and its actual plan,
/// an existing <c>http_ratelimit</c> entrypoint, and the account's workers.dev subdomain. Response shapes are
/// Cloudflare's v4 envelope <c>{success, errors, messages, result}</c>.
/// </summary>
public sealed class CloudflareChecks(StackSettings settings, StackConfig config, PreflightInputs inputs, HttpClient http)
{
    private const string TokenCheck = "Cloudflare API token";
    private const string ZoneCheck = "Cloudflare zone";
    private const string PlanCheck = "Cloudflare zone plan";
    private const string EntrypointCheck = "Cloudflare http_ratelimit entrypoint";
    private const string SubdomainCheck = "Cloudflare workers.dev subdomain";
    private const string RouteHostCheck = "Cloudflare Worker route host";
    private const string ProxiedCheck = "Cloudflare proxied hostnames";
    private const int MaxDnsPages = 20;
    private string Stack => settings.StackName;

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancel)
    {
        var rows = new List<CheckResult>();
        var names = PlannedChecks();
        if (inputs.CloudflareToken is null)
        {
            rows.Add(CheckResult.Fail(TokenCheck, $"no token: neither {PreflightEnvironment.CloudflareToken} nor {PreflightInputs.CloudflareTokenKey} in PULUMI_CONFIG is set",
                $"export {PreflightEnvironment.CloudflareToken} (if the stack holds it: `export {PreflightEnvironment.CloudflareToken}=$(pulumi config get {PreflightInputs.CloudflareTokenKey} -s {Stack})`; else create one at dash.cloudflare.com/profile/api-tokens with the permissions in infra/README.md)"));
            rows.AddRange(names.Select(n => CheckResult.Skip(n, "needs a Cloudflare API token")));
            return rows;
        }

        var api = new JsonApiClient(http, inputs.CloudflareApiBase, inputs.CloudflareToken);
        var token = await VerifyToken(api, cancel).ConfigureAwait(false);
        rows.Add(token);
        if (token.Outcome != CheckOutcome.Pass)
        {
            rows.AddRange(names.Select(n => CheckResult.Skip(n, "needs an active Cloudflare API token first")));
            return rows;
        }

        foreach (var scope in CloudflareScopes.For(settings))
            rows.Add(await Scope(api, scope, cancel).ConfigureAwait(false));
        if (settings.Edge is { } edge)
        {
            var zone = await api.GetAsync($"/zones/{edge.ZoneId}", cancel).ConfigureAwait(false);
            rows.Add(Zone(edge, zone));
            var (proxied, problem) = await ProxiedRecords(api, edge, cancel).ConfigureAwait(false);
            rows.Add(await RouteHost(api, edge, proxied, problem, cancel).ConfigureAwait(false));
            if (settings.Zone is not null) rows.Add(ProxiedHostnames(proxied, problem));
            if (settings.Zone is { } owned)
            {
                rows.Add(Plan(owned, zone));
                rows.Add(await RateLimitEntrypoint(api, edge, cancel).ConfigureAwait(false));
            }
        }
        if (settings.Preview is { } preview)
            rows.Add(await WorkersDevSubdomain(api, preview, cancel).ConfigureAwait(false));
        return rows;
    }

    /// <summary>The rows after the token's, named up front so a missing or dead token still shows what was not checked.</summary>
    private List<string> PlannedChecks()
    {
        var names = CloudflareScopes.For(settings).Select(ScopeName).ToList();
        if (settings.Edge is not null) names.AddRange([ZoneCheck, RouteHostCheck]);
        if (settings.Zone is not null) names.Add(ProxiedCheck);
        if (settings.Zone is not null) names.AddRange([PlanCheck, EntrypointCheck]);
        if (settings.Preview is not null) names.Add(SubdomainCheck);
        return names;
    }

    private static string ScopeName(CloudflareScope scope) => $"token permission: {scope.What}";

    /// <summary>
    /// GET /user/tokens/verify answers <c>result: {id, status: active|disabled|expired, ...}</c>
    /// (developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/,
    /// developers.cloudflare.com/fundamentals/api/troubleshooting/). Account-owned tokens are verified at
    /// GET /accounts/{account_id}/tokens/verify instead (developers.cloudflare.com/api/resources/accounts/subresources/tokens/methods/verify/).
    /// </summary>
    private async Task<CheckResult> VerifyToken(JsonApiClient api, CancellationToken cancel)
    {
        var fix = $"create a new token (dash.cloudflare.com/profile/api-tokens) with the permissions in infra/README.md and export {PreflightEnvironment.CloudflareToken}";
        var user = await api.GetAsync("/user/tokens/verify", cancel).ConfigureAwait(false);
        if (!user.Reached)
            return CheckResult.Fail(TokenCheck, user.Describe(), $"check the network path to {inputs.CloudflareApiBase} (proxy, firewall) and run preflight again");
        var reply = user;
        if (Status(user) is null)
        {
            var account = await api.GetAsync($"/accounts/{settings.AccountId}/tokens/verify", cancel).ConfigureAwait(false);
            if (Status(account) is not null) reply = account;
        }
        var status = Status(reply);
        if (status is null)
            return CheckResult.Fail(TokenCheck, $"Cloudflare refused the token from {inputs.CloudflareTokenSource}: {user.Describe()}", fix);
        if (status != "active")
            return CheckResult.Fail(TokenCheck, $"the token from {inputs.CloudflareTokenSource} is {status}", fix);
        var expires = reply.Result is { } r && r.TryGetProperty("expires_on", out var e) && e.ValueKind == JsonValueKind.String ? $", expires {e.GetString()}" : "";
        return CheckResult.Pass(TokenCheck, $"active (from {inputs.CloudflareTokenSource}{expires})");
    }

    private static string? Status(ApiReply reply) =>
        reply.IsSuccess && reply.Result is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
            ? s.GetString()
            : null;

    private static async Task<CheckResult> Scope(JsonApiClient api, CloudflareScope scope, CancellationToken cancel)
    {
        var name = ScopeName(scope);
        var reply = await api.GetAsync(scope.ProbePath, cancel).ConfigureAwait(false);
        if (reply.IsSuccess) return CheckResult.Pass(name, $"reads {scope.What}; the stack needs {scope.Permission}");
        if (reply.Is(HttpStatusCode.Forbidden) || reply.Is(HttpStatusCode.Unauthorized))
            return CheckResult.Fail(name, $"the token cannot read {scope.What}: {reply.Describe()}",
                $"edit the token (dash.cloudflare.com/profile/api-tokens) and add {scope.Permission} for this account/zone");
        return CheckResult.Fail(name, $"reading {scope.What} failed: {reply.Describe()}", "run preflight again; if it persists, check www.cloudflarestatus.com");
    }

    /// <summary>GET /zones/{zone_id}: <c>result: {id, name, status, plan: {id, name, legacy_id, ...}, ...}</c> (developers.cloudflare.com/api/resources/zones/methods/get/).</summary>
    private CheckResult Zone(EdgeSettings edge, ApiReply zone)
    {
        const string name = ZoneCheck;
        var set = $"`pulumi config set {ConfigKeys.Unqualified(ConfigKeys.ZoneId)} <id> -s {Stack}`";
        if (zone.IsSuccess && zone.Result is { ValueKind: JsonValueKind.Object } r)
        {
            var actual = Text(r, "name");
            var status = Text(r, "status");
            if (!string.Equals(actual, edge.ZoneName, StringComparison.OrdinalIgnoreCase))
                return CheckResult.Fail(name, $"zone {edge.ZoneId} is {actual}, but {ConfigKeys.ZoneName} is {edge.ZoneName}",
                    $"set {ConfigKeys.ZoneId} to the id of {edge.ZoneName} (dashboard: the zone's Overview > Zone ID): {set}");
            if (status != "active")
                return CheckResult.Fail(name, $"zone {actual} is {status}, not active", "finish the zone's setup (point the domain at Cloudflare's name servers) and wait until the dashboard shows it Active");
            return CheckResult.Pass(name, $"{actual} ({edge.ZoneId}) is active");
        }
        if (zone.Is(HttpStatusCode.Forbidden) || zone.Is(HttpStatusCode.Unauthorized) || zone.Is(HttpStatusCode.NotFound))
            return CheckResult.Fail(name, $"zone {edge.ZoneId} is not readable with this token: {zone.Describe()}",
                $"check {ConfigKeys.ZoneId} ({set}) and give the token Zone > Zone > Read on {edge.ZoneName}");
        return CheckResult.Fail(name, $"reading zone {edge.ZoneId} failed: {zone.Describe()}", "run preflight again");
    }

    /// <summary>A DNS record as the list answers it: <c>{id, name, type, content, proxied, ...}</c>.</summary>
    private sealed record DnsName(string Name, string Type);

    /// <summary>
    /// GET /zones/{zone_id}/dns_records?proxied=true&amp;per_page=100&amp;page=N: the zone's proxied records, paged by
    /// <c>result_info.total_pages</c> (developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/,
    /// query parameters <c>proxied</c>, <c>name</c>, <c>page</c>, <c>per_page</c>).
    /// </summary>
    private static async Task<(IReadOnlyList<DnsName> Records, string? Problem)> ProxiedRecords(JsonApiClient api, EdgeSettings edge, CancellationToken cancel)
    {
        var records = new List<DnsName>();
        for (var page = 1; page <= MaxDnsPages; page++)
        {
            var reply = await api.GetAsync($"/zones/{edge.ZoneId}/dns_records?proxied=true&per_page=100&page={page}", cancel).ConfigureAwait(false);
            if (!reply.IsSuccess || reply.Result is not { ValueKind: JsonValueKind.Array } list)
                return (records, $"listing the zone's proxied DNS records failed: {reply.Describe()}");
            records.AddRange(Names(list).Where(r => r.Proxied).Select(r => r.Record));
            var pages = reply.Body is { } b && b.TryGetProperty("result_info", out var info) && info.ValueKind == JsonValueKind.Object
                && info.TryGetProperty("total_pages", out var total) && total.TryGetInt32(out var n) ? n : 1;
            if (page >= pages) break;
        }
        return (records, null);
    }

    private static IEnumerable<(DnsName Record, bool Proxied)> Names(JsonElement list) =>
        list.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object).Select(r =>
            (new DnsName(Text(r, "name").ToLowerInvariant(), Text(r, "type")), r.TryGetProperty("proxied", out var p) && p.ValueKind == JsonValueKind.True));

    /// <summary>A record's name covers the host: the same name, or a wildcard one label above it.</summary>
    private static bool Covers(string recordName, string host) =>
        recordName == host || (recordName.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(recordName[1..], StringComparison.Ordinal)
            && !host[..^(recordName.Length - 1)].Contains('.', StringComparison.Ordinal));

    /// <summary>
    /// Cloudflare runs a Worker route only on a proxied hostname: "To add a route, you must have ... an orange-clouded
    /// DNS record set up for the domain or subdomain you would like to route to"
    /// (developers.cloudflare.com/workers/configuration/routing/routes/). The route host is <c>publicHost</c>.
    /// </summary>
    private async Task<CheckResult> RouteHost(JsonApiClient api, EdgeSettings edge, IReadOnlyList<DnsName> proxied, string? problem, CancellationToken cancel)
    {
        var host = edge.PublicHost.ToLowerInvariant();
        var route = edge.RoutePattern(settings.RoutePrefix);
        if (problem is not null)
            return CheckResult.Fail(RouteHostCheck, problem, "give the token Zone > DNS > Read (or Edit) on the zone and run preflight again");
        if (proxied.FirstOrDefault(r => Covers(r.Name, host)) is { } record)
            return CheckResult.Pass(RouteHostCheck, $"the route {route} runs: {host} has the proxied {record.Type} record {record.Name}");
        var own = await api.GetAsync($"/zones/{edge.ZoneId}/dns_records?name={Uri.EscapeDataString(host)}&per_page=5", cancel).ConfigureAwait(false);
        var dnsOnly = own.IsSuccess && own.Result is { ValueKind: JsonValueKind.Array } list ? Names(list).Select(r => r.Record.Type).ToList() : [];
        var has = dnsOnly.Count > 0 ? $"only DNS-only ({string.Join(", ", dnsOnly)}) records" : "no DNS record";
        return CheckResult.Fail(RouteHostCheck,
            $"the route {route} would never run: Cloudflare runs Worker routes only on proxied hostnames, and {host} has {has} (developers.cloudflare.com/workers/configuration/routing/routes/)",
            $"proxy {host}'s record (dashboard: DNS > Records, Proxy status: Proxied), or add one (`AAAA {host} 100::`, proxied, when the Worker is the only thing served there)");
    }

    /// <summary>
    /// SSL/TLS Full (strict) and Always Use HTTPS are zone settings: the zone owner's stack sets them for every proxied
    /// hostname of the zone, not only the voice ones. Listed so an operator sees a site whose origin certificate would
    /// start answering 526 (Full (strict) requires a valid certificate at the origin).
    /// </summary>
    private static CheckResult ProxiedHostnames(IReadOnlyList<DnsName> proxied, string? problem)
    {
        if (problem is not null) return CheckResult.Skip(ProxiedCheck, problem);
        var names = proxied.Select(r => r.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return CheckResult.Pass(ProxiedCheck, "the zone has no proxied hostname besides what the stack adds");
        var shown = string.Join(", ", names.Take(20)) + (names.Count > 20 ? $" and {names.Count - 20} more" : "");
        return CheckResult.Pass(ProxiedCheck,
            $"SSL Full (strict) and Always Use HTTPS will apply to the zone's {names.Count} proxied hostname(s): {shown}; each origin must present a certificate valid for its name, or Cloudflare answers 526");
    }

    /// <summary>result.plan.legacy_id is free, pro, business or enterprise; result.plan.name is e.g. "Free Website".</summary>
    private CheckResult Plan(ZoneSettings owned, ApiReply zone)
    {
        const string name = PlanCheck;
        if (!(zone.IsSuccess && zone.Result is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("plan", out var plan) && plan.ValueKind == JsonValueKind.Object))
            return CheckResult.Skip(name, "needs the zone's details (see the zone row)");
        var legacy = Text(plan, "legacy_id").ToLowerInvariant();
        var declared = owned.Plan.ToString().ToLowerInvariant();
        var label = $"{Text(plan, "name")} ({legacy})";
        if (legacy == declared) return CheckResult.Pass(name, $"{label} matches {ConfigKeys.ZonePlan}");
        return CheckResult.Fail(name, $"the zone is on {label}, but {ConfigKeys.ZonePlan} is {declared}: the stack would declare features the zone does not have, or miss ones it does",
            $"`pulumi config set {ConfigKeys.Unqualified(ConfigKeys.ZonePlan)} {legacy} -s {Stack}` (or change the zone's plan in the dashboard)");
    }

    /// <summary>
    /// GET /zones/{zone_id}/rulesets/phases/http_ratelimit/entrypoint answers the ruleset
    /// <c>result: {id, name, kind, phase, rules: [...]}</c>, or 404 (code 10003, "could not find entrypoint
    /// ruleset") when the zone has none (developers.cloudflare.com/api/resources/rulesets/subresources/phases/methods/get/).
    /// A zone has at most one entrypoint per phase (developers.cloudflare.com/ruleset-engine/about/rulesets/).
    /// </summary>
    private async Task<CheckResult> RateLimitEntrypoint(JsonApiClient api, EdgeSettings edge, CancellationToken cancel)
    {
        const string name = EntrypointCheck;
        var key = PreflightInputs.RateLimitRulesetIdKey;
        var unset = $"`pulumi config rm {ConfigKeys.Unqualified(key)} -s {Stack}`";
        var reply = await api.GetAsync($"/zones/{edge.ZoneId}/rulesets/phases/http_ratelimit/entrypoint", cancel).ConfigureAwait(false);
        if (reply.Is(HttpStatusCode.NotFound))
        {
            return inputs.RateLimitRulesetId is { } wanted
                ? CheckResult.Fail(name, $"{key} is {wanted}, but the zone has no http_ratelimit entrypoint to adopt", $"remove it so the stack creates one: {unset}")
                : CheckResult.Pass(name, "none yet: the stack creates it");
        }
        if (reply.IsSuccess && reply.Result is { ValueKind: JsonValueKind.Object } r)
        {
            var id = Text(r, "id");
            var rules = r.TryGetProperty("rules", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
            var described = rules.Count == 0 ? "no rules" : $"{rules.Count} rule(s): {string.Join(", ", rules.Take(3).Select(x => $"\"{Text(x, "description")}\""))}{(rules.Count > 3 ? ", ..." : "")}";
            if (inputs.RateLimitRulesetId == id)
                return CheckResult.Pass(name, $"ruleset {id} ({described}) is adopted through {key}");
            if (inputs.RateLimitRulesetId is { } other)
                return CheckResult.Fail(name, $"{key} is {other}, but the zone's http_ratelimit entrypoint is {id} ({described})",
                    $"`pulumi config set {ConfigKeys.Unqualified(key)} {id} -s {Stack}`");
            return CheckResult.Fail(name, $"the zone already has an http_ratelimit entrypoint, ruleset {id} ({described}): creating the stack's would fail, and a managed entrypoint replaces every rule of the phase",
                $"adopt it by setting {key} and {ConfigKeys.RateLimitKeptRules} (read infra/README.md on adoption first): `pulumi config set {ConfigKeys.Unqualified(key)} {id} -s {Stack}`");
        }
        if (reply.Is(HttpStatusCode.Forbidden) || reply.Is(HttpStatusCode.Unauthorized))
            return CheckResult.Fail(name, $"the token cannot read the zone's rate limiting rules: {reply.Describe()}",
                "edit the token (dash.cloudflare.com/profile/api-tokens) and add Zone > Zone WAF > Edit for the zone");
        return CheckResult.Fail(name, $"reading the entrypoint failed: {reply.Describe()}", "run preflight again");
    }

    /// <summary>
    /// GET /accounts/{account_id}/workers/subdomain answers <c>result: {subdomain}</c>
    /// (developers.cloudflare.com/api/resources/workers/subresources/subdomains/methods/get/); an account that
    /// never registered one gets an error instead.
    /// </summary>
    private async Task<CheckResult> WorkersDevSubdomain(JsonApiClient api, PreviewSettings preview, CancellationToken cancel)
    {
        const string name = SubdomainCheck;
        var key = ConfigKeys.WorkersDevSubdomain;
        var reply = await api.GetAsync($"/accounts/{settings.AccountId}/workers/subdomain", cancel).ConfigureAwait(false);
        if (reply.IsSuccess && reply.Result is { ValueKind: JsonValueKind.Object } r && Text(r, "subdomain") is { Length: > 0 } actual)
        {
            return actual == preview.WorkersDevSubdomain
                ? CheckResult.Pass(name, $"{actual}.workers.dev matches {key}")
                : CheckResult.Fail(name, $"the account's subdomain is {actual}.workers.dev, but {key} is {preview.WorkersDevSubdomain}",
                    $"set {key} to {actual} in {config.Source}");
        }
        if (reply.Is(HttpStatusCode.Forbidden) || reply.Is(HttpStatusCode.Unauthorized))
            return CheckResult.Fail(name, $"the token cannot read the account's workers.dev subdomain: {reply.Describe()}",
                "edit the token and add Account > Workers Scripts > Edit");
        if (reply.Reached && (reply.Is(HttpStatusCode.NotFound) || reply.IsSuccess))
            return CheckResult.Fail(name, $"the account has no workers.dev subdomain: {reply.Describe()}",
                $"register one (dashboard: Workers & Pages > your subdomain), then set {key} to it in {config.Source}");
        return CheckResult.Fail(name, $"reading the workers.dev subdomain failed: {reply.Describe()}", "run preflight again");
    }

    private static string Text(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
