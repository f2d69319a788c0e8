using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.PreflightHarness;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Preflight reads the deploy identity's effective Azure permissions (ARM's Microsoft.Authorization/permissions, the
/// actions the contract table says the stack needs) and the zone's proxied hostnames (the Worker route's host must be
/// one; SSL Full (strict) and Always Use HTTPS apply to all of them), against the loopback stand-in.
/// </summary>
public class PreflightRightsAndRouteTests(PreflightStandInFixture standIn) : IClassFixture<PreflightStandInFixture>
{
    private static readonly StandInScenario AllGood = new();
    private const string Rights = AzureChecks.RightsCheck;

    private static void NoSecrets(PreflightRun run)
    {
        Assert.DoesNotContain(AllGood.AzureToken, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AllGood.CloudflareToken, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contributor_plus_the_conditioned_role_assigner_pass_and_the_condition_is_said()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
        var row = run.Row(Rights);
        Assert.Contains("the identity holds all", row, StringComparison.Ordinal);
        Assert.Contains("voice-edge-prod does not exist yet", row, StringComparison.Ordinal);
        Assert.Contains("granted under a condition", row, StringComparison.Ordinal);
        Assert.Contains(standIn.Api.Requests, r => r.StartsWith("/arm/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Authorization/permissions?api-version=2022-04-01", StringComparison.Ordinal));
        Assert.Contains(standIn.Api.Requests, r => r.StartsWith("/arm/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/voice-edge-prod/providers/Microsoft.Authorization/permissions", StringComparison.Ordinal));
        NoSecrets(run);
    }

    [Fact]
    public async Task Contributor_alone_fails_naming_the_role_assignment_write_and_the_role_to_grant()
    {
        var run = await RunAsync(standIn.Api, AllGood with { AzurePermissions = [StandInRole.Contributor] }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row(Rights);
        Assert.StartsWith("FAIL", row, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Authorization/roleAssignments/write (relayPackageReader)", row, StringComparison.Ordinal);
        Assert.Contains("fix: grant Role Based Access Control Administrator (conditioned to assign only Storage Blob Data Reader) to the deploy identity on /subscriptions/11111111-2222-3333-4444-555555555555", row, StringComparison.Ordinal);
        Assert.DoesNotContain("grant Contributor", row, StringComparison.Ordinal);
        NoSecrets(run);
    }

    [Fact]
    public async Task A_wildcard_grant_passes()
    {
        var run = await RunAsync(standIn.Api, AllGood with { AzurePermissions = [StandInRole.Owner] }, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.StartsWith("pass", run.Row(Rights), StringComparison.Ordinal);
        Assert.DoesNotContain("condition", run.Row(Rights), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotActions_excluding_authorization_writes_fail_whatever_the_case_of_the_pattern()
    {
        var run = await RunAsync(standIn.Api, AllGood with { AzurePermissions = [new(["*"], ["microsoft.authorization/*/WRITE"])] }, "dev");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row(Rights);
        Assert.Contains("Microsoft.Authorization/roleAssignments/write", row, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.Authorization/roleAssignments/delete", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_roles_grant_is_not_taken_away_by_a_roles_notActions()
    {
        // notActions subtract from their own role only: a second role granting role assignments makes up for Contributor's.
        var assigner = new StandInRole(["Microsoft.Authorization/roleAssignments/*", "Microsoft.Authorization/roleDefinitions/read"], []);
        var run = await RunAsync(standIn.Api, AllGood with { AzurePermissions = [StandInRole.Contributor, assigner] }, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
    }

    [Fact]
    public async Task Without_resource_group_creation_it_fails_naming_contributor()
    {
        var narrow = new StandInRole(
            ["Microsoft.Network/*", "Microsoft.Compute/*", "Microsoft.Storage/*", "Microsoft.Insights/*", "Microsoft.OperationalInsights/*", "Microsoft.Authorization/*"], []);
        var run = await RunAsync(standIn.Api, AllGood with { AzurePermissions = [narrow] }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row(Rights);
        Assert.Contains("Microsoft.Resources/subscriptions/resourceGroups/write (resourceGroup)", row, StringComparison.Ordinal);
        Assert.Contains("fix: grant Contributor to the deploy identity", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_moved_down_to_an_existing_group_pass_there()
    {
        var scenario = AllGood with
        {
            AzurePermissions = [new(["Microsoft.Resources/subscriptions/read"], [])],
            ResourceGroupExists = true,
            ResourceGroupPermissions = [StandInRole.Contributor, StandInRole.RoleAssigner],
        };
        var run = await RunAsync(standIn.Api, scenario, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("or voice-edge-prod", run.Row(Rights), StringComparison.Ordinal);

        var before = await RunAsync(standIn.Api, scenario with { ResourceGroupExists = false }, "prod");
        Assert.Equal(1, before.ExitCode);
        Assert.Contains("Microsoft.Resources/subscriptions/resourceGroups/write", before.Row(Rights), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_host_without_a_proxied_record_fails_saying_what_it_has()
    {
        var records = AllGood.DnsRecords.Select(r => r.Name == "example.com" ? r with { Proxied = false } : r).ToList();
        var run = await RunAsync(standIn.Api, AllGood with { DnsRecords = records }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare Worker route host");
        Assert.StartsWith("FAIL", row, StringComparison.Ordinal);
        Assert.Contains("the route example.com/voice/* would never run: Cloudflare runs Worker routes only on proxied hostnames, and example.com has only DNS-only (A) records", row, StringComparison.Ordinal);
        Assert.Contains("developers.cloudflare.com/workers/configuration/routing/routes/", row, StringComparison.Ordinal);
        Assert.Contains("fix: proxy example.com's record", row, StringComparison.Ordinal);
        NoSecrets(run);
    }

    [Fact]
    public async Task A_route_host_with_no_record_at_all_fails_and_a_proxied_wildcard_covers_one_label()
    {
        var none = await RunAsync(standIn.Api, AllGood with { DnsRecords = [] }, "dev");
        Assert.Contains("example.com has no DNS record", none.Row("Cloudflare Worker route host"), StringComparison.Ordinal);

        using var project = new ScratchProject(withWorker: false);
        EditStack(project, "dev", "config:\n", "config:\n  voice-edge:publicHost: voice.example.com\n");
        var api = standIn.Api.Use(AllGood with { DnsRecords = [new("*.example.com", "A", "203.0.113.10", true)] });
        var run = await RunAsync(project, "dev", Env(api));
        Assert.Contains("voice.example.com has the proxied A record *.example.com", run.Row("Cloudflare Worker route host"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_zone_owner_lists_the_proxied_hostnames_the_zone_settings_will_apply_to()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod");
        var row = run.Row("Cloudflare proxied hostnames");
        Assert.StartsWith("pass", row, StringComparison.Ordinal);
        Assert.Contains("SSL Full (strict) and Always Use HTTPS will apply to the zone's 2 proxied hostname(s): example.com, www.example.com", row, StringComparison.Ordinal);
        Assert.DoesNotContain("ws.example.com", row, StringComparison.Ordinal);

        var sharer = await RunAsync(standIn.Api, AllGood, "dev");
        Assert.DoesNotContain("Cloudflare proxied hostnames", sharer.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_proxied_records_are_read_across_pages()
    {
        var many = Enumerable.Range(0, 130).Select(i => new StandInDnsRecord($"site{i:000}.example.com", "A", "203.0.113.1", true))
            .Append(new StandInDnsRecord("example.com", "A", "203.0.113.10", true)).ToList();
        var run = await RunAsync(standIn.Api, AllGood with { DnsRecords = many }, "prod");
        Assert.Contains("apply to the zone's 131 proxied hostname(s)", run.Row("Cloudflare proxied hostnames"), StringComparison.Ordinal);
        Assert.Contains("and 111 more", run.Row("Cloudflare proxied hostnames"), StringComparison.Ordinal);
        Assert.Contains(standIn.Api.Requests, r => r.Contains("proxied=true&per_page=100&page=2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*", "Microsoft.Authorization/roleAssignments/write", true)]
    [InlineData("*/read", "Microsoft.Authorization/roleDefinitions/read", true)]
    [InlineData("*/read", "Microsoft.Authorization/roleDefinitions/write", false)]
    [InlineData("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", true)]
    [InlineData("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/delete", false)]
    [InlineData("Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachines/runCommands/write", true)]
    [InlineData("Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/writeX", false)]
    [InlineData("Microsoft.Storage/storageAccounts/listkeys/action", "Microsoft.Storage/storageAccounts/listKeys/action", true)]
    [InlineData("Microsoft.Storage/storageAccounts.*", "Microsoft.Storage/storageAccountsX/read", false)]
    public void Action_patterns_match_as_Azure_matches_them(string pattern, string action, bool matches) =>
        Assert.Equal(matches, AzurePermissionEntry.Matches(pattern, action));
}
