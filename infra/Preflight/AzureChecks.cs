using System.Net;
using System.Text.Json;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// The Azure side, over Azure Resource Manager REST with a bearer token: the subscription exists and is
/// Enabled, the region offers the VM size to this subscription, and the signed-in identity holds every action the
/// stack's resources need (from the provider contract table), role assignments and resource group creation included.
/// </summary>
public sealed class AzureChecks(StackSettings settings, PreflightInputs inputs, HttpClient http, SecretRedactor redactor, Func<string, string?> env)
{
    public const string SubscriptionsApiVersion = "2022-12-01";
    public const string SkusApiVersion = "2021-07-01";
    private const string CredentialsCheck = "Azure credentials";
    private const string SubscriptionCheck = "Azure subscription";
    private const string VmSizeCheck = "Azure VM size in region";
    public const string RightsCheck = "Azure deploy permissions";
    private const int MaxSkuPages = 50;

    public async Task<IReadOnlyList<CheckResult>> RunAsync(bool skipAzure, CancellationToken cancel)
    {
        if (settings.RelayHost is not { } host)
            return [CheckResult.Skip("Azure", "a preview stack declares no Azure resources")];
        if (skipAzure)
            return [CheckResult.Skip("Azure", "skipped by --skip-azure: the subscription and VM size were not checked")];

        var enable = $"run `az login` (or export {PreflightEnvironment.AzureToken}=$(az {AzureTokenSource.CliArguments})), or pass --skip-azure to check Cloudflare only";
        var token = await AzureTokenSource.FindAsync(env, cancel).ConfigureAwait(false);
        redactor.Add(token.Value);
        var rows = new List<CheckResult>();
        if (token.Value is null)
        {
            rows.Add(CheckResult.Fail(CredentialsCheck, $"skipped the Azure checks: {redactor.Redact(token.Problem ?? "no token")}", enable));
            rows.Add(CheckResult.Skip(SubscriptionCheck, "needs Azure credentials"));
            rows.Add(CheckResult.Skip(VmSizeCheck, "needs Azure credentials"));
            rows.Add(CheckResult.Skip(RightsCheck, "needs Azure credentials"));
            return rows;
        }
        rows.Add(CheckResult.Pass(CredentialsCheck, $"token from {token.Source}"));

        if (inputs.SubscriptionId is not { } subscription)
        {
            rows.Add(CheckResult.Fail(SubscriptionCheck, $"no subscription id: neither {PreflightEnvironment.SubscriptionId} nor {PreflightInputs.SubscriptionIdKey} is set",
                $"export {PreflightEnvironment.SubscriptionId}=<id> (az account show --query id -o tsv), or `pulumi config set {PreflightInputs.SubscriptionIdKey} <id> -s {settings.StackName}`"));
            rows.Add(CheckResult.Skip(VmSizeCheck, "needs the subscription"));
            rows.Add(CheckResult.Skip(RightsCheck, "needs the subscription"));
            return rows;
        }
        var api = new JsonApiClient(http, inputs.AzureApiBase, token.Value);
        var sub = await Subscription(api, subscription, cancel).ConfigureAwait(false);
        rows.Add(sub);
        rows.Add(sub.Outcome == CheckOutcome.Pass
            ? await VmSize(api, subscription, host, cancel).ConfigureAwait(false)
            : CheckResult.Skip(VmSizeCheck, "needs an enabled subscription"));
        rows.Add(sub.Outcome == CheckOutcome.Pass
            ? await DeployRights(api, subscription, cancel).ConfigureAwait(false)
            : CheckResult.Skip(RightsCheck, "needs an enabled subscription"));
        return rows;
    }

    /// <summary>
    /// The least Azure roles that deploy the program as written, at subscription scope: the program creates its own
    /// resource group (so no narrower scope exists before the first deploy), and Contributor alone cannot create the
    /// relayPackageReader role assignment (its NotActions include Microsoft.Authorization/*/Write).
    /// </summary>
    public const string DeployRoles =
        "Contributor plus Role Based Access Control Administrator (conditioned to assign only Storage Blob Data Reader), " +
        "or Contributor plus User Access Administrator; Contributor alone cannot create the relayPackageReader role assignment (see .github/README.md)";

    public const string ContributorRole = "Contributor";

    /// <summary>Named first when missing: what Contributor alone, or a role on an existing group, lacks.</summary>
    private static readonly string[] KeyActions =
        ["Microsoft.Resources/subscriptions/resourceGroups/write", "Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete"];
    public const string RoleAssignerRole = "Role Based Access Control Administrator (conditioned to assign only Storage Blob Data Reader)";

    /// <summary>
    /// The identity's effective permissions (<see cref="AzurePermissionSet"/>) against every Azure action the stack's
    /// resources need to be created, updated and deleted (<see cref="DeployPermissionsNeeded"/>, from the contract
    /// table). Read at the subscription, where the program creates its resource group, and at that group when it
    /// exists already (roles may have been moved down to it after the first deploy, .github/README.md); creating the
    /// group needs the subscription. A missing Microsoft.Authorization action is the role assigner's to grant, any
    /// other Contributor's.
    /// </summary>
    private async Task<CheckResult> DeployRights(JsonApiClient api, string subscription, CancellationToken cancel)
    {
        var program = StackProgramBuilder.Build(settings, new TypesOnlyArtifacts());
        var needed = DeployPermissionsNeeded.For(program);
        var group = program.All<ResourceGroup>().Single().Name;
        var subScope = $"/subscriptions/{Uri.EscapeDataString(subscription)}";
        var groupScope = $"{subScope}/resourceGroups/{Uri.EscapeDataString(group)}";

        var (atSubscription, problem) = await Permissions(api, subScope, cancel).ConfigureAwait(false);
        if (atSubscription is null)
            return CheckResult.Fail(RightsCheck, $"could not read the identity's permissions at {subScope}: {problem}",
                $"run preflight again; if Azure refuses the read, give the identity the deploy roles on the subscription: {DeployRoles}");
        var (atGroup, groupProblem) = await Permissions(api, groupScope, cancel).ConfigureAwait(false);
        if (atGroup is null && groupProblem is not null)
            return CheckResult.Fail(RightsCheck, $"could not read the identity's permissions at {groupScope}: {groupProblem}", "run preflight again");

        // An action held at the group is enough once the group exists (writing the group then updates it).
        var missing = needed.Keys
            .Where(a => atSubscription.Allowing(a) is null && atGroup?.Allowing(a) is null)
            .OrderBy(a => Array.IndexOf(KeyActions, a) is var i && i >= 0 ? i : KeyActions.Length).ThenBy(a => a, StringComparer.Ordinal).ToList();
        var where = atGroup is null ? $"{subScope} ({group} does not exist yet)" : $"{subScope} or {group}";
        if (missing.Count == 0)
        {
            var assign = (atSubscription.Allowing("Microsoft.Authorization/roleAssignments/write") ?? atGroup?.Allowing("Microsoft.Authorization/roleAssignments/write"))?.Condition is null
                ? "" : "; role assignments are granted under a condition, which must allow Storage Blob Data Reader";
            return CheckResult.Pass(RightsCheck, $"the identity holds all {needed.Count} actions the stack's resources need at {where}, role assignments and resource group creation included{assign}");
        }
        var roles = new List<string>();
        if (missing.Any(a => !a.StartsWith("Microsoft.Authorization/", StringComparison.OrdinalIgnoreCase))) roles.Add(ContributorRole);
        if (missing.Any(a => a.StartsWith("Microsoft.Authorization/", StringComparison.OrdinalIgnoreCase))) roles.Add(RoleAssignerRole);
        var listed = string.Join(", ", missing.Take(6).Select(a => $"{a} ({string.Join(", ", needed[a].Take(3))})"));
        return CheckResult.Fail(RightsCheck, $"the identity lacks {missing.Count} action(s) the deploy needs at {where}: {listed}{(missing.Count > 6 ? ", ..." : "")}",
            $"grant {string.Join(" and ", roles)} to the deploy identity on {subScope} (.github/README.md, \"The Azure deploy identity's roles\")");
    }

    /// <summary>The permissions at a scope; (null, null) when the scope does not exist (404), (null, why) when unreadable.</summary>
    private static async Task<(AzurePermissionSet? Set, string? Problem)> Permissions(JsonApiClient api, string scope, CancellationToken cancel)
    {
        var entries = new List<AzurePermissionEntry>();
        string? next = AzurePermissionSet.PathFor(scope);
        for (var page = 0; next is not null && page < MaxSkuPages; page++)
        {
            var reply = await api.GetAsync(next, cancel).ConfigureAwait(false);
            if (reply.Is(HttpStatusCode.NotFound) && page == 0) return (null, null);
            if (!reply.IsSuccess || reply.Body is not { } body || !AzurePermissionSet.TryRead(body, entries))
                return (null, reply.IsSuccess ? "an answer without a `value` list" : reply.Describe());
            next = body.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
        }
        return (new AzurePermissionSet(entries), null);
    }

    /// <summary>
    /// GET /subscriptions/{id}?api-version=2022-12-01 answers <c>{id, subscriptionId, displayName, state, ...}</c>,
    /// state one of Enabled, Warned, PastDue, Disabled, Deleted
    /// (learn.microsoft.com/en-us/rest/api/resources/subscriptions/get?view=rest-resources-2022-12-01).
    /// </summary>
    private async Task<CheckResult> Subscription(JsonApiClient api, string id, CancellationToken cancel)
    {
        var reply = await api.GetAsync($"/subscriptions/{Uri.EscapeDataString(id)}?api-version={SubscriptionsApiVersion}", cancel).ConfigureAwait(false);
        if (reply.IsSuccess && reply.Body is { ValueKind: JsonValueKind.Object } body)
        {
            var state = Text(body, "state");
            var label = $"{Text(body, "displayName")} ({id}, from {inputs.SubscriptionIdSource})";
            return state == "Enabled"
                ? CheckResult.Pass(SubscriptionCheck, $"{label} is Enabled")
                : CheckResult.Fail(SubscriptionCheck, $"{label} is {state}: Azure refuses to create resources in it",
                    "re-enable the subscription in the Azure portal (Subscriptions > your subscription), or use another");
        }
        if (!reply.Reached)
            return CheckResult.Fail(SubscriptionCheck, reply.Describe(), $"check the network path to {inputs.AzureApiBase} and run preflight again");
        if (reply.Is(HttpStatusCode.Unauthorized))
            return CheckResult.Fail(SubscriptionCheck, $"Azure refused the token: {reply.Describe()}", "run `az login` again (the token may have expired)");
        if (reply.Is(HttpStatusCode.NotFound) || reply.Is(HttpStatusCode.Forbidden))
            return CheckResult.Fail(SubscriptionCheck, $"subscription {id} (from {inputs.SubscriptionIdSource}) is not visible to these credentials: {reply.Describe()}",
                $"check the id (`az account list -o table`) and that the signed-in identity has the deploy roles on it: {DeployRoles}");
        return CheckResult.Fail(SubscriptionCheck, $"reading subscription {id} failed: {reply.Describe()}", "run preflight again");
    }

    /// <summary>
    /// GET /subscriptions/{id}/providers/Microsoft.Compute/skus?api-version=2021-07-01&amp;$filter=location eq '...'
    /// answers <c>{value: [{resourceType, name, locations, restrictions: [{type: Location|Zone, values,
    /// restrictionInfo: {locations, zones}, reasonCode: QuotaId|NotAvailableForSubscription}]}], nextLink}</c>
    /// (learn.microsoft.com/en-us/rest/api/compute/resource-skus/list?view=rest-compute-2021-07-01).
    /// A Location restriction means the size cannot be deployed in the region by this subscription.
    /// </summary>
    private async Task<CheckResult> VmSize(JsonApiClient api, string subscription, RelayHostSettings host, CancellationToken cancel)
    {
        var fix = $"pick a size the region offers (`az vm list-skus -l {host.Location} --resource-type virtualMachines -o table`) and `pulumi config set {ConfigKeys.Unqualified(ConfigKeys.VmSize)} <size> -s {settings.StackName}`, or another {ConfigKeys.AzureLocation}";
        var filter = Uri.EscapeDataString($"location eq '{host.Location}'");
        string? next = $"/subscriptions/{Uri.EscapeDataString(subscription)}/providers/Microsoft.Compute/skus?api-version={SkusApiVersion}&$filter={filter}";
        for (var page = 0; next is not null && page < MaxSkuPages; page++)
        {
            var reply = await api.GetAsync(next, cancel).ConfigureAwait(false);
            if (!reply.IsSuccess || reply.Body is not { ValueKind: JsonValueKind.Object } body)
                return CheckResult.Fail(VmSizeCheck, $"listing the VM sizes of {host.Location} failed: {reply.Describe()}", "run preflight again");
            if (body.TryGetProperty("value", out var skus) && skus.ValueKind == JsonValueKind.Array)
            {
                foreach (var sku in skus.EnumerateArray())
                {
                    if (Text(sku, "resourceType") != "virtualMachines" || !string.Equals(Text(sku, "name"), host.VmSize, StringComparison.OrdinalIgnoreCase)) continue;
                    if (!OffersLocation(sku, host.Location)) continue;
                    var restriction = LocationRestriction(sku, host.Location);
                    return restriction is null
                        ? CheckResult.Pass(VmSizeCheck, $"{host.VmSize} is offered in {host.Location}")
                        : CheckResult.Fail(VmSizeCheck, $"{host.VmSize} is restricted in {host.Location} for this subscription ({restriction})", fix);
                }
            }
            next = body.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null;
        }
        return CheckResult.Fail(VmSizeCheck, $"{host.Location} does not list {host.VmSize}", fix);
    }

    private static bool OffersLocation(JsonElement sku, string location) =>
        !sku.TryGetProperty("locations", out var locations) || locations.ValueKind != JsonValueKind.Array
        || locations.EnumerateArray().Any(l => l.ValueKind == JsonValueKind.String && string.Equals(l.GetString(), location, StringComparison.OrdinalIgnoreCase));

    private static string? LocationRestriction(JsonElement sku, string location)
    {
        if (!sku.TryGetProperty("restrictions", out var restrictions) || restrictions.ValueKind != JsonValueKind.Array) return null;
        foreach (var r in restrictions.EnumerateArray())
        {
            if (Text(r, "type") != "Location") continue;
            var places = r.TryGetProperty("values", out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).ToList() : [];
            if (places.Count == 0 || places.Any(p => string.Equals(p, location, StringComparison.OrdinalIgnoreCase)))
                return Text(r, "reasonCode") is { Length: > 0 } reason ? reason : "restricted";
        }
        return null;
    }

    private static string Text(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
}
