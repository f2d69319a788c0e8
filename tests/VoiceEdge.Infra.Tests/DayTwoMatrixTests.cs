using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The day-2 matrix (<see cref="DayTwoMatrix"/>, printed in docs/operations.md) against rendered changes: each
/// operator change is made to a fixture stack, the program is rendered before and after, the resources' inputs are
/// diffed and classified by the provider contracts' replace-forcing inputs (<see cref="ProgramDiff"/>), and what
/// follows for the VM, live calls, secrets and the deploy must be what the matrix says.
/// </summary>
public class DayTwoMatrixTests
{
    public static TheoryData<string> Changes() => [.. DayTwoMatrix.Rows.Select(r => r.Change)];

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_matrix_row_is_what_the_contracts_make_of_a_rendered_change(string change)
    {
        var row = DayTwoMatrix.Rows.Single(r => r.Change == change).Outcome;
        var actual = DayTwoScenarios.Outcome(change);
        Assert.Equal(row.Replaced, actual.Replaced);
        Assert.Equal(row.Updated, actual.Updated);
        Assert.Equal(row.Vm, actual.Vm);
        Assert.Equal(row.LiveCalls, actual.LiveCalls);
        Assert.Equal(row.Secrets, actual.Secrets);
        Assert.Equal(row.Deploy, actual.Deploy);
    }

    [Fact]
    public void The_matrix_covers_every_change_issue_23_lists()
    {
        string[] listed =
        [
            DayTwoMatrix.RelayCode, DayTwoMatrix.RelaySetting, DayTwoMatrix.SigningKeyRotation, DayTwoMatrix.VmSize, DayTwoMatrix.CloudInit,
            DayTwoMatrix.AdminCidrs, DayTwoMatrix.Worker, DayTwoMatrix.RateLimit, DayTwoMatrix.Region, DayTwoMatrix.OsImage, DayTwoMatrix.VoiceBackend,
        ];
        Assert.All(listed, c => Assert.Contains(DayTwoMatrix.Rows, r => r.Change == c));
        Assert.Equal(DayTwoMatrix.Rows.Count, DayTwoMatrix.Rows.Select(r => r.Change).Distinct().Count());
    }

    [Fact]
    public void Docs_operations_carries_the_matrix_as_the_code_renders_it()
    {
        var doc = File.ReadAllText(Repo.Path("docs/operations.md")).ReplaceLineEndings("\n");
        Assert.Contains(DayTwoMatrix.Markdown(), doc, StringComparison.Ordinal);
    }

    [Fact]
    public void Prods_vm_is_protected_which_is_why_the_matrix_says_prod_refuses_a_vm_replacement()
    {
        Assert.True(Stacks.Program("prod")["relayVm"].Options.Protect);
        Assert.False(DayTwoScenarios.Render()["relayVm"].Options.Protect);
    }

    /// <summary>
    /// The classifier fails the program of 2026-12-05: a run command with a fixed name is updated in place by a relay
    /// setting change, and the update runs without the protected parameters.
    /// </summary>
    [Fact]
    public void A_run_command_with_a_fixed_name_shows_up_as_an_update_that_loses_its_secrets()
    {
        var (before, after, outside) = DayTwoScenarios.For(DayTwoMatrix.RelaySetting);
        var outcome = DayTwoOutcome.From(ProgramDiff.Between(FixedRunCommandName(before), FixedRunCommandName(after), outside));
        Assert.Contains("relayInstall", outcome.Updated);
        Assert.StartsWith("**not sent**", outcome.Secrets, StringComparison.Ordinal);
        Assert.Contains("install.sh stops at its `:?` check", outcome.Deploy, StringComparison.Ordinal);
    }

    private static PulumiProgram FixedRunCommandName(PulumiProgram p)
    {
        var install = p["relayInstall"];
        var edited = install with
        {
            Args = ((RunCommand)install.Args) with { Name = "voice-edge-relay-install" },
            Options = install.Options with { ReplaceOnChanges = [] }, // that program replaced it only by name
        };
        return p with { Resources = [.. p.Resources.Select(r => r.Name == install.Name ? edited : r)] };
    }

    [Fact]
    public void The_diff_classifies_by_the_contract_and_cites_the_rule()
    {
        Assert.Empty(ProgramDiff.Between(DayTwoScenarios.Render(), DayTwoScenarios.Render()));

        var (before, after, outside) = DayTwoScenarios.For(DayTwoMatrix.CloudInit);
        var vm = ProgramDiff.Between(before, after, outside).Single(c => c.Name == "relayVm");
        Assert.Equal(ChangeKind.Replace, vm.Kind);
        Assert.Contains(vm.Because, b => b.StartsWith("customData: hashicorp/terraform-provider-azurerm v4.80.0 internal/services/compute/linux_virtual_machine_resource.go:191-194", StringComparison.Ordinal));

        var size = ProgramDiff.Between(DayTwoScenarios.For(DayTwoMatrix.VmSize).Before, DayTwoScenarios.For(DayTwoMatrix.VmSize).After).Single(c => c.Name == "relayVm");
        Assert.Equal(ChangeKind.Update, size.Kind);
        Assert.Equal(["size"], size.Disruptions.Select(d => d.Input));
    }

    [Fact]
    public void A_change_outside_the_contract_table_stops_the_diff()
    {
        var before = DayTwoScenarios.Render();
        var rg = before["resourceGroup"];
        var after = before with { Resources = [.. before.Resources.Select(r => r.Name == rg.Name ? rg with { Args = new UnknownArgs { Name = "x" } } : r)] };
        var withUnknown = before with { Resources = [.. before.Resources.Select(r => r.Name == rg.Name ? rg with { Args = new UnknownArgs { Name = "y" } } : r)] };
        var e = Assert.Throws<InvalidOperationException>(() => ProgramDiff.Between(withUnknown, after));
        Assert.Contains("no entry in the provider contract table", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignored_inputs_are_left_out_as_pulumi_leaves_them()
    {
        // The package blob ignores `source` (a rebuild is not byte-identical): a new publish alone changes nothing there.
        var (before, after, _) = DayTwoScenarios.For(DayTwoMatrix.RelayCode);
        var blob = ProgramDiff.Between(before, after).Single(c => c.Name == "relayPackage");
        Assert.DoesNotContain("source", blob.ChangedInputs);
        Assert.Equal(["name"], blob.ChangedInputs);
    }

    private sealed record UnknownArgs : ResourceArgs
    {
        public override string TypeToken => "azure:new/thing:Thing";
        public required string Name { get; init; }
    }
}
