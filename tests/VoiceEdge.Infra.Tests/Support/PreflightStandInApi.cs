using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>One stand-in per test class; each test sets its scenario with <see cref="PreflightStandInApi.Use"/>.</summary>
public sealed class PreflightStandInFixture : IAsyncLifetime
{
    public PreflightStandInApi Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await PreflightStandInApi.StartAsync(new StandInScenario());

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

/// <summary>What the stand-in's accounts look like; each test changes the part it is about.</summary>
public sealed record StandInScenario
{
    public string CloudflareToken { get; init; } = "cf-token-for-tests";
    public string AzureToken { get; init; } = "arm-token-for-tests";
    public string AccountId { get; init; } = "0123456789abcdef0123456789abcdef";
    public string ZoneId { get; init; } = "fedcba9876543210fedcba9876543210";
    public string ZoneName { get; init; } = "example.com";
    /// <summary>active, disabled or expired.</summary>
    public string TokenStatus { get; init; } = "active";
    /// <summary>
    /// An account-owned token: /user/tokens/verify refuses it, /accounts/{id}/tokens/verify answers for it
    /// (developers.cloudflare.com/fundamentals/api/get-started/account-owned-tokens/).
    /// </summary>
    public bool AccountOwnedToken { get; init; }
    /// <summary>The zone's plan.legacy_id: free, pro, business, enterprise.</summary>
    public string ZonePlan { get; init; } = "free";
    /// <summary>The id of an existing http_ratelimit entrypoint ruleset; null when the zone has none.</summary>
    public string? RateLimitEntrypointId { get; init; }
    public string? WorkersSubdomain { get; init; } = "voice-edge-example";
    /// <summary>Cloudflare paths (below /client/v4, without query) that answer 403: the permission is missing.</summary>
    public IReadOnlySet<string> DeniedPaths { get; init; } = new HashSet<string>();
    public string SubscriptionId { get; init; } = "11111111-2222-3333-4444-555555555555";
    public string SubscriptionState { get; init; } = "Enabled";
    public string Location { get; init; } = "westeurope";
    public string VmSize { get; init; } = "Standard_B2s";
    public bool VmSizeListed { get; init; } = true;
    /// <summary>A Location restriction's reasonCode on the VM size (NotAvailableForSubscription, QuotaId); null: none.</summary>
    public string? VmSizeRestriction { get; init; }
    /// <summary>The first SKU page's nextLink points at another host, which must never receive the token.</summary>
    public bool ForeignNextLink { get; init; }
    /// <summary>Refusals quote the Authorization header they got, as a careless API might.</summary>
    public bool EchoCredentials { get; init; }
    /// <summary>Every answer is held back until the client gives up.</summary>
    public bool NeverAnswers { get; init; }
    /// <summary>The zone's DNS records; the route host of the committed stacks is the apex, proxied.</summary>
    public IReadOnlyList<StandInDnsRecord> DnsRecords { get; init; } =
    [
        new("example.com", "A", "203.0.113.10", true),
        new("www.example.com", "CNAME", "example.com", true),
        new("ws.example.com", "CNAME", "voice-edge-prod-relay.westeurope.cloudapp.azure.com", false),
    ];
    /// <summary>The signed-in identity's roles at the subscription, as the permissions API lists them.</summary>
    public IReadOnlyList<StandInRole> AzurePermissions { get; init; } = [StandInRole.Contributor, StandInRole.RoleAssigner];
    /// <summary>Whether the stack's resource group exists (then its scope answers permissions too).</summary>
    public bool ResourceGroupExists { get; init; }
    /// <summary>The identity's roles at the resource group, inherited ones included, when it exists.</summary>
    public IReadOnlyList<StandInRole>? ResourceGroupPermissions { get; init; }
}

public sealed record StandInDnsRecord(string Name, string Type, string Content, bool Proxied);

/// <summary>One role's entry in the permissions answer: {actions, notActions, dataActions, notDataActions, condition?}.</summary>
public sealed record StandInRole(IReadOnlyList<string> Actions, IReadOnlyList<string> NotActions, string? Condition = null)
{
    /// <summary>Contributor's built-in definition (learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#contributor).</summary>
    public static readonly StandInRole Contributor = new(["*"],
    [
        "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete", "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action",
    ]);

    /// <summary>Role Based Access Control Administrator (built-in-roles/privileged), conditioned as .github/README.md sets it.</summary>
    public static readonly StandInRole RoleAssigner = new(
        ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"], [],
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {2a2b9908-6ea1-4ae2-8e65-a410df84e7d1}))");

    /// <summary>Owner: everything.</summary>
    public static readonly StandInRole Owner = new(["*"], []);
}

/// <summary>
/// The Cloudflare v4 API and Azure Resource Manager, as far as preflight reads them, on a loopback Kestrel
/// server. Answers use the documented shapes; each route names its source. Cloudflare lives under
/// <c>/client/v4</c>, ARM under <c>/arm</c>.
/// </summary>
public sealed class PreflightStandInApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>What the accounts look like; a test class sharing one server sets it before each run.</summary>
    public StandInScenario Scenario { get; set; }
    public string BaseUrl { get; }
    public string CloudflareBase => BaseUrl + "/client/v4";
    public string AzureBase => BaseUrl + "/arm";
    /// <summary>Every request's path and query, in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    private PreflightStandInApi(WebApplication app, StandInScenario scenario)
    {
        _app = app;
        Scenario = scenario;
        BaseUrl = app.Urls.Single().TrimEnd('/');
    }

    public static async Task<PreflightStandInApi> StartAsync(StandInScenario scenario)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        PreflightStandInApi? self = null;
        StandInScenario Current() => self!.Scenario;
        app.Use(async (context, next) =>
        {
            self!.Requests.Enqueue(context.Request.Path + context.Request.QueryString);
            if (Current().NeverAnswers)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            await next(context);
        });
        MapCloudflare(app, Current);
        MapAzure(app, Current);
        await app.StartAsync();
        self = new PreflightStandInApi(app, scenario);
        return self;
    }

    /// <summary>Switches to another scenario and forgets the requests seen so far.</summary>
    public PreflightStandInApi Use(StandInScenario scenario)
    {
        Scenario = scenario;
        Requests.Clear();
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    // ---- Cloudflare: the v4 envelope {success, errors, messages, result}
    // (developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/).

    private static IResult Envelope(object? result, object? resultInfo = null) => Results.Json(resultInfo is null
        ? new { success = true, errors = Array.Empty<object>(), messages = Array.Empty<object>(), result }
        : new { success = true, errors = Array.Empty<object>(), messages = Array.Empty<object>(), result, result_info = resultInfo });

    private static IResult CloudflareError(int status, int code, string message) => Results.Json(
        new { success = false, errors = new[] { new { code, message } }, messages = Array.Empty<object>(), result = (object?)null },
        statusCode: status);

    private static void MapCloudflare(WebApplication app, Func<StandInScenario> scenario)
    {
        var cf = app.MapGroup("/client/v4");
        cf.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var auth = http.Request.Headers.Authorization.ToString();
            if (auth != $"Bearer {scenario().CloudflareToken}")
            {
                // An invalid token: HTTP 401 with code 1000 "Invalid API Token"
                // (developers.cloudflare.com/fundamentals/api/troubleshooting/).
                return CloudflareError(401, 1000, scenario().EchoCredentials ? $"Invalid API Token: {auth}" : "Invalid API Token");
            }
            var path = http.Request.Path.Value![("/client/v4".Length)..];
            if (scenario().DeniedPaths.Contains(path))
            {
                // A token without the permission group: 403, code 10000 "Authentication error".
                return CloudflareError(403, 10000, scenario().EchoCredentials ? $"Authentication error for {auth}" : "Authentication error");
            }
            return await next(context);
        });

        // developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/ and the example in
        // developers.cloudflare.com/fundamentals/api/troubleshooting/: result {id, status, not_before, expires_on}.
        cf.MapGet("/user/tokens/verify", () => scenario().AccountOwnedToken ? CloudflareError(401, 1000, "Invalid API Token") : Verified());
        cf.MapGet("/accounts/{account}/tokens/verify", (string account) => scenario().AccountOwnedToken && account == scenario().AccountId
            ? Verified()
            : CloudflareError(401, 1000, "Invalid API Token"));
        IResult Verified() => Results.Json(new
        {
            success = true,
            errors = Array.Empty<object>(),
            messages = new[] { new { code = 10000, message = $"This API Token is valid and {scenario().TokenStatus}", type = (string?)null } },
            result = new { id = "f267e341f3dd4697bd3b9f71dd96247f", status = scenario().TokenStatus, not_before = "2026-01-01T00:00:00Z", expires_on = "2027-01-01T00:00:00Z" },
        });

        // developers.cloudflare.com/api/resources/zones/methods/get/: the zone with its plan
        // {id, name, price, currency, frequency, is_subscribed, can_subscribe, legacy_id, ...}.
        cf.MapGet("/zones/{zone}", (string zone) => zone != scenario().ZoneId
            ? CloudflareError(404, 7003, $"Could not route to /zones/{zone}, perhaps your object identifier is invalid?")
            : Envelope(new
            {
                id = scenario().ZoneId,
                name = scenario().ZoneName,
                status = "active",
                paused = false,
                type = "full",
                development_mode = 0,
                name_servers = new[] { "ada.ns.cloudflare.com", "bob.ns.cloudflare.com" },
                account = new { id = scenario().AccountId, name = "Example account" },
                plan = new
                {
                    id = "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                    name = scenario().ZonePlan switch { "pro" => "Pro Website", "business" => "Business Website", "enterprise" => "Enterprise Website", _ => "Free Website" },
                    price = 0,
                    currency = "USD",
                    frequency = "",
                    is_subscribed = true,
                    can_subscribe = false,
                    legacy_id = scenario().ZonePlan,
                    legacy_discount = false,
                    externally_managed = false,
                },
            }));

        // The permission probes: list endpoints answering an (empty) list.
        // developers.cloudflare.com/api/resources/dns/subresources/records/methods/list/
        // Filters `proxied` and `name` (exact), paged by `page`/`per_page`: result_info {page, per_page, count, total_count, total_pages}.
        cf.MapGet("/zones/{zone}/dns_records", (HttpContext c) =>
        {
            var q = c.Request.Query;
            var all = scenario().DnsRecords
                .Where(r => !q.ContainsKey("proxied") || r.Proxied == (q["proxied"] == "true"))
                .Where(r => !q.ContainsKey("name") || r.Name == q["name"])
                .ToList();
            var perPage = int.TryParse(q["per_page"], out var n) ? n : 100;
            var page = int.TryParse(q["page"], out var p) ? p : 1;
            var slice = all.Skip((page - 1) * perPage).Take(perPage)
                .Select((r, i) => new { id = $"rec{page}{i}", name = r.Name, type = r.Type, content = r.Content, proxied = r.Proxied, proxiable = true, ttl = 1 })
                .ToList();
            return Envelope(slice, new { page, per_page = perPage, count = slice.Count, total_count = all.Count, total_pages = (all.Count + perPage - 1) / perPage });
        });
        // developers.cloudflare.com/api/resources/workers/subresources/routes/methods/list/
        cf.MapGet("/zones/{zone}/workers/routes", () => Envelope(Array.Empty<object>()));
        // developers.cloudflare.com/api/resources/workers/subresources/scripts/methods/list/
        cf.MapGet("/accounts/{account}/workers/scripts", () => Envelope(Array.Empty<object>()));
        // developers.cloudflare.com/api/resources/zones/subresources/settings/methods/get/
        cf.MapGet("/zones/{zone}/settings/ssl", () => Envelope(new { id = "ssl", value = "full", editable = true, modified_on = (string?)null }));
        // developers.cloudflare.com/api/resources/alerting/subresources/policies/methods/list/
        cf.MapGet("/accounts/{account}/alerting/v3/policies", () => Envelope(Array.Empty<object>()));
        // developers.cloudflare.com/api/resources/healthchecks/methods/list/
        cf.MapGet("/zones/{zone}/healthchecks", () => Envelope(Array.Empty<object>()));

        // developers.cloudflare.com/api/resources/rulesets/subresources/phases/methods/get/: the entrypoint ruleset,
        // or 404 with code 10003 "could not find entrypoint ruleset in the http_ratelimit phase" when there is none.
        cf.MapGet("/zones/{zone}/rulesets/phases/{phase}/entrypoint", (string phase) => scenario().RateLimitEntrypointId is not { } id || phase != "http_ratelimit"
            ? CloudflareError(404, 10003, $"could not find entrypoint ruleset in the {phase} phase")
            : Envelope(new
            {
                id,
                name = "default",
                description = "",
                kind = "zone",
                version = "3",
                phase = "http_ratelimit",
                last_updated = "2026-05-04T10:00:00Z",
                rules = new[]
                {
                    new
                    {
                        id = "3a03d665bac047339bb530ecb439a90d",
                        version = "1",
                        action = "block",
                        description = "login brute force",
                        expression = "(http.request.uri.path eq \"/login\")",
                        enabled = true,
                        last_updated = "2026-05-04T10:00:00Z",
                        ratelimit = new { characteristics = new[] { "ip.src", "cf.colo.id" }, period = 10, requests_per_period = 5, mitigation_timeout = 10 },
                    },
                },
            }));

        // developers.cloudflare.com/api/resources/workers/subresources/subdomains/methods/get/: result {subdomain}.
        cf.MapGet("/accounts/{account}/workers/subdomain", () => scenario().WorkersSubdomain is { } sub
            ? Envelope(new { subdomain = sub })
            : CloudflareError(404, 10007, "This account does not have a workers.dev subdomain"));

        // Anything else: Cloudflare's answer to an unknown route.
        cf.MapFallback((HttpContext c) => CloudflareError(404, 7003, $"Could not route to {c.Request.Path}, perhaps your object identifier is invalid?"));
    }

    // ---- Azure Resource Manager: errors are {error: {code, message}}, ARM's common error response
    // (learn.microsoft.com/en-us/dotnet/api/microsoft.azure.management.resources.models.errorresponse).

    private static IResult ArmError(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private static void MapAzure(WebApplication app, Func<StandInScenario> scenario)
    {
        var arm = app.MapGroup("/arm");
        arm.AddEndpointFilter(async (context, next) =>
        {
            var auth = context.HttpContext.Request.Headers.Authorization.ToString();
            if (auth != $"Bearer {scenario().AzureToken}")
                return ArmError(401, "InvalidAuthenticationToken", scenario().EchoCredentials ? $"The access token is invalid: {auth}" : "The access token is invalid.");
            return await next(context);
        });

        // learn.microsoft.com/en-us/rest/api/resources/subscriptions/get?view=rest-resources-2022-12-01
        arm.MapGet("/subscriptions/{id}", (string id, HttpContext c) =>
        {
            if (c.Request.Query["api-version"] != "2022-12-01")
                return ArmError(400, "InvalidApiVersionParameter", "The api-version is invalid.");
            if (id != scenario().SubscriptionId)
                return ArmError(404, "SubscriptionNotFound", $"The subscription '{id}' could not be found.");
            return Results.Json(new
            {
                id = $"/subscriptions/{id}",
                authorizationSource = "RoleBased",
                managedByTenants = Array.Empty<object>(),
                subscriptionId = id,
                tenantId = "99999999-8888-7777-6666-555555555555",
                displayName = "Voice Edge",
                state = scenario().SubscriptionState,
                subscriptionPolicies = new { locationPlacementId = "Public_2014-09-01", quotaId = "PayAsYouGo_2014-09-01", spendingLimit = "Off" },
            });
        });

        // learn.microsoft.com/rest/api/authorization/permissions/list-for-resource-group?view=rest-authorization-2022-04-01
        // (and the same read at the subscription): {value: [{actions, notActions, dataActions, notDataActions}]}; a group
        // that does not exist answers 404 ResourceGroupNotFound.
        IResult Permissions(HttpContext c, IReadOnlyList<StandInRole> roles) =>
            c.Request.Query["api-version"] != "2022-04-01"
                ? ArmError(400, "InvalidApiVersionParameter", "The api-version is invalid.")
                : Results.Json(new
                {
                    value = roles.Select(r => r.Condition is null
                        ? (object)new { actions = r.Actions, notActions = r.NotActions, dataActions = Array.Empty<string>(), notDataActions = Array.Empty<string>() }
                        : new { actions = r.Actions, notActions = r.NotActions, dataActions = Array.Empty<string>(), notDataActions = Array.Empty<string>(), condition = r.Condition, conditionVersion = "2.0" }),
                });
        arm.MapGet("/subscriptions/{id}/providers/Microsoft.Authorization/permissions", (string id, HttpContext c) =>
            id != scenario().SubscriptionId ? ArmError(404, "SubscriptionNotFound", $"The subscription '{id}' could not be found.") : Permissions(c, scenario().AzurePermissions));
        arm.MapGet("/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Authorization/permissions", (string id, string group, HttpContext c) =>
            id != scenario().SubscriptionId || !scenario().ResourceGroupExists
                ? ArmError(404, "ResourceGroupNotFound", $"Resource group '{group}' could not be found.")
                : Permissions(c, scenario().ResourceGroupPermissions ?? scenario().AzurePermissions));

        // learn.microsoft.com/en-us/rest/api/compute/resource-skus/list?view=rest-compute-2021-07-01:
        // {value: [ResourceSku], nextLink}. Two pages, so the client must follow nextLink to find the size.
        arm.MapGet("/subscriptions/{id}/providers/Microsoft.Compute/skus", (string id, HttpContext c) =>
        {
            var q = c.Request.Query;
            if (q["api-version"] != "2021-07-01")
                return ArmError(400, "InvalidApiVersionParameter", "The api-version is invalid.");
            if (id != scenario().SubscriptionId)
                return ArmError(404, "SubscriptionNotFound", $"The subscription '{id}' could not be found.");
            var location = q["$filter"].ToString() is var f && f.StartsWith("location eq '", StringComparison.Ordinal) ? f[13..^1] : null;
            if (location is null)
                return ArmError(400, "InvalidFilter", "Expected $filter=location eq '<location>'.");
            if (q["$skiptoken"] != "page2")
            {
                return Results.Json(new
                {
                    value = new object[] { Sku("disks", "Premium_LRS", location, null), Sku("virtualMachines", "Standard_D2s_v5", location, null) },
                    nextLink = $"{(scenario().ForeignNextLink ? "https://collector.example.net" : $"{c.Request.Scheme}://{c.Request.Host}")}/arm/subscriptions/{id}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter={Uri.EscapeDataString(q["$filter"]!)}&$skiptoken=page2",
                });
            }
            var page2 = new List<object> { Sku("virtualMachines", "Standard_F2s_v2", location, null) };
            if (scenario().VmSizeListed && location == scenario().Location) page2.Add(Sku("virtualMachines", scenario().VmSize, location, scenario().VmSizeRestriction));
            return Results.Json(new { value = page2 });
        });
    }

    private static object Sku(string resourceType, string name, string location, string? restriction) => new
    {
        resourceType,
        name,
        tier = "Standard",
        size = name.Replace("Standard_", "", StringComparison.Ordinal),
        family = "standardBSFamily",
        locations = new[] { location },
        locationInfo = new[] { new { location, zones = new[] { "1", "2", "3" }, zoneDetails = Array.Empty<object>() } },
        capabilities = new[] { new { name = "vCPUs", value = "2" }, new { name = "MemoryGB", value = "4" } },
        restrictions = restriction is null
            ? Array.Empty<object>()
            : [new { type = "Location", values = new[] { location }, restrictionInfo = new { locations = new[] { location }, zones = Array.Empty<string>() }, reasonCode = restriction }],
    };
}
