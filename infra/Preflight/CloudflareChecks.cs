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
        if (settings.Edge is not null) names.Add(ZoneCheck);
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
