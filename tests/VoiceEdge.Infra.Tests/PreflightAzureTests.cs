using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.PreflightHarness;

namespace VoiceEdge.Infra.Tests;

/// <summary>The Azure rows of <c>voice-edge preflight</c>, against the loopback stand-in of Resource Manager.</summary>
public class PreflightAzureTests(PreflightStandInFixture standIn) : IClassFixture<PreflightStandInFixture>
{
    private static readonly StandInScenario AllGood = new();

    [Fact]
    public async Task An_enabled_subscription_and_an_offered_size_pass_following_the_sku_pages()
    {
        var api = standIn.Api.Use(AllGood);
        using var project = new ScratchProject(withWorker: false);
        var run = await RunAsync(project, "prod", Env(api));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("token from AZURE_ACCESS_TOKEN", run.Row("Azure credentials"));
        Assert.Contains("Voice Edge (11111111-2222-3333-4444-555555555555, from ARM_SUBSCRIPTION_ID) is Enabled", run.Row("Azure subscription"));
        Assert.Contains("Standard_B2s is offered in westeurope", run.Row("Azure VM size in region"));
        Assert.Contains(api.Requests, r => r.Contains("$skiptoken=page2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_size_restricted_for_the_subscription_fails_with_the_reason()
    {
        var run = await RunAsync(standIn.Api, AllGood with { VmSizeRestriction = "NotAvailableForSubscription" }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Azure VM size in region");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("Standard_B2s is restricted in westeurope for this subscription (NotAvailableForSubscription)", row);
        Assert.Contains("fix: pick a size the region offers (`az vm list-skus -l westeurope --resource-type virtualMachines -o table`) and `pulumi config set vmSize <size> -s prod`", row);
    }

    [Fact]
    public async Task A_paging_link_to_another_host_is_not_followed_with_the_token()
    {
        var run = await RunAsync(standIn.Api, AllGood with { ForeignNextLink = true }, "prod");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused to follow https://collector.example.net/arm/subscriptions/", run.Row("Azure VM size in region"));
    }

    /// <summary>A fleet (stacks/fixtures/Pulumi.fleet.yaml): each relay's size is checked in its own region, one row each.</summary>
    [Fact]
    public async Task A_fleet_checks_each_relays_size_in_its_own_region()
    {
        var run = await RunAsync(standIn.Api, AllGood, FleetFixture.Stack,
            editProject: project => project.Write(StackConfigSources.StackFileName(FleetFixture.Stack), File.ReadAllText(FleetFixture.FilePath)));
        Assert.Contains("Standard_B2s is offered in westeurope", run.Row("Azure VM size in region (relay weu)"));
        // The stand-in lists Standard_B2s in westeurope only.
        var eus = run.Row("Azure VM size in region (relay eus)");
        Assert.StartsWith("FAIL", eus);
        Assert.Contains("eastus does not list Standard_B2s", eus);
        Assert.Contains("as relay eus's `vmSize` in voice-edge:relays", eus);
    }

    [Fact]
    public async Task A_size_the_region_does_not_list_fails()
    {
        var run = await RunAsync(standIn.Api, AllGood with { VmSizeListed = false }, "prod");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("westeurope does not list Standard_B2s", run.Row("Azure VM size in region"));
    }

    [Theory]
    [InlineData("Disabled")]
    [InlineData("PastDue")]
    public async Task A_subscription_that_is_not_enabled_fails_and_the_size_is_not_checked(string state)
    {
        var run = await RunAsync(standIn.Api, AllGood with { SubscriptionState = state }, "prod");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"is {state}: Azure refuses to create resources in it", run.Row("Azure subscription"));
        Assert.Equal("skip", run.Result("Azure VM size in region"));
    }

    [Fact]
    public async Task An_unknown_subscription_fails_with_Azure_s_error()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env[PreflightEnvironment.SubscriptionId] = "99999999-0000-0000-0000-000000000000");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("SubscriptionNotFound", run.Row("Azure subscription"));
    }

    [Fact]
    public async Task An_unseen_subscription_names_the_roles_that_can_create_the_role_assignment_not_Contributor_alone()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env[PreflightEnvironment.SubscriptionId] = "99999999-0000-0000-0000-000000000000");
        var row = run.Row("Azure subscription");
        Assert.Contains("fix: ", row, StringComparison.Ordinal);
        Assert.Contains("Role Based Access Control Administrator", row, StringComparison.Ordinal);
        Assert.Contains("Storage Blob Data Reader", row, StringComparison.Ordinal);
        Assert.DoesNotContain("(Contributor)", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_subscription_may_come_from_the_stack_s_azure_subscriptionId()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env.Remove(PreflightEnvironment.SubscriptionId),
            p => AddToStack(p, "prod", PreflightInputs.SubscriptionIdKey, AllGood.SubscriptionId));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("from azure:subscriptionId (Pulumi.prod.yaml)", run.Row("Azure subscription"));
    }

    [Fact]
    public async Task Without_a_subscription_id_it_fails_saying_where_to_set_one()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env.Remove(PreflightEnvironment.SubscriptionId));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("fix: export ARM_SUBSCRIPTION_ID=<id>", run.Row("Azure subscription"));
    }

    [Fact]
    public async Task Without_Azure_credentials_the_Azure_checks_fail_as_skipped_with_how_to_enable_them()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env.Remove(PreflightEnvironment.AzureToken));
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Azure credentials");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("skipped the Azure checks: neither AZURE_ACCESS_TOKEN is set nor the Azure CLI (az) is on PATH", row);
        Assert.Contains("run `az login`", row);
        Assert.Contains("--skip-azure", row);
        Assert.Equal("skip", run.Result("Azure subscription"));
    }

    [Fact]
    public async Task With_skip_azure_the_Azure_checks_are_skipped_and_Azure_is_not_called()
    {
        var api = standIn.Api.Use(AllGood);
        using var project = new ScratchProject(withWorker: false);
        var env = Env(api);
        env.Remove(PreflightEnvironment.AzureToken);
        var run = await RunAsync(project, "prod", env, skipAzure: true);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("skipped by --skip-azure", run.Row("Azure"));
        Assert.DoesNotContain(api.Requests, r => r.StartsWith("/arm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_comes_from_the_Azure_CLI_when_the_variable_is_unset()
    {
        var api = standIn.Api.Use(AllGood);
        using var project = new ScratchProject(withWorker: false);
        var bin = FakeAz(project, $"#!/bin/sh\n[ \"$*\" = \"{AzureTokenSource.CliArguments}\" ] || exit 3\necho {AllGood.AzureToken}\n");
        var env = Env(api);
        env.Remove(PreflightEnvironment.AzureToken);
        env["PATH"] = bin;
        var run = await RunAsync(project, "prod", env);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("token from az account get-access-token", run.Row("Azure credentials"));
    }

    [Fact]
    public async Task An_Azure_CLI_that_is_not_logged_in_fails_with_its_message()
    {
        var api = standIn.Api.Use(AllGood);
        using var project = new ScratchProject(withWorker: false);
        var bin = FakeAz(project, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
        var env = Env(api);
        env.Remove(PreflightEnvironment.AzureToken);
        env["PATH"] = bin;
        var run = await RunAsync(project, "prod", env);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("exited 1: ERROR: Please run 'az login' to setup account.", run.Row("Azure credentials"));
    }

    /// <summary>A stand-in for the Azure CLI, as a script named az in a folder of its own.</summary>
    private static string FakeAz(ScratchProject project, string script)
    {
        project.Write("fake-bin/az", script);
        var path = Path.Combine(project.Dir, "fake-bin", "az");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return Path.GetDirectoryName(path)!;
    }
}
