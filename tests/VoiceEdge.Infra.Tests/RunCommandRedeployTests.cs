using System.Security.Cryptography;
using System.Text;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Every change of the relay (package, setting, secret) reaches the VM with its secrets, and an install that
/// failed is run again, with its secrets, by the next <c>pulumi up</c>: deploys of the rendered run command through
/// <see cref="RunCommandApiStandIn"/>, which answers like Pulumi's engine, the azurerm provider and the Azure API.
/// The run command as the program of 2026-12-06 declared it (named by a hash of its inputs, no
/// <c>replaceOnChanges</c>) goes through the same stand-in in <see cref="Legacy"/>: it passes the change tests and
/// fails every retry test, which is what this file's retry tests would do on that program.
/// </summary>
public class RunCommandRedeployTests
{
    private const string Stack = GraphFixtures.Owner;
    private const string OtherSha = "00000000000000000000000000000000000000000000000000000000000000ff";

    private static PulumiProgram Program(string relaySha = FixedArtifacts.RelaySha, params (string Key, string? Value)[] edits)
    {
        var others = new[] { GraphFixtures.Sharer, GraphFixtures.Preview }.Select(s => GraphFixtures.Config(s)).ToList();
        var settings = VoiceEdge.Infra.Settings.SettingsReader.Read(GraphFixtures.Config(Stack, edits), others);
        return StackProgramBuilder.Build(settings, new FixedArtifacts { RelaySourceSha = relaySha });
    }

    private static RunCommand Install(PulumiProgram p) => Assert.IsType<RunCommand>(p["relayInstall"].Args);

    /// <summary>The run command of <paramref name="program"/> with its interpolations resolved, as the engine sees it.</summary>
    private static RunCommandApiStandIn.Goal Goal(PulumiProgram program, string signingKey = "key-1", bool legacy = false)
    {
        var install = Install(program);
        var options = program["relayInstall"].Options;
        var blob = Assert.IsType<StorageBlob>(program["relayPackage"].Args);
        var values = new Dictionary<string, string>
        {
            ["${relayPackage.url}"] = $"https://account.blob.core.windows.net/{RelayDeployResources.ContainerName}/{blob.Name}",
            ["${relaySigningKey}"] = signingKey,
            ["${twilioAuthToken}"] = "twilio-token",
        };
        var parameters = RunCommandApiStandIn.Resolve(install.Parameters, values);
        var goal = new RunCommandApiStandIn.Goal(install.Name, options.ReplaceOnChanges, options.DeleteBeforeReplace,
            parameters, RunCommandApiStandIn.Resolve(install.ProtectedParameters, values), Script: "run-command.sh");
        return legacy ? Legacy.Of(goal, blob.Name) : goal;
    }

    public static TheoryData<string> Changes() => ["package", "relay setting", "secret"];

    private static RunCommandApiStandIn.Goal Changed(string change, bool legacy = false) => change switch
    {
        "package" => Goal(Program(OtherSha), legacy: legacy),
        "relay setting" => Goal(Program(edits: ("voice-edge:twilioAccountSid", "AC0123456789abcdef0123456789abcdef")), legacy: legacy),
        "secret" => Goal(Program(), signingKey: "key-2", legacy: legacy),
        _ => throw new ArgumentException(change),
    };

    private static void AssertRanWithSecretsAndNewInputs(IReadOnlyDictionary<string, string> run, string change)
    {
        Assert.Equal(change == "secret" ? "key-2" : "key-1", run.GetValueOrDefault("RELAY_SIGNING_KEY"));
        Assert.Equal("twilio-token", run.GetValueOrDefault("RELAY_TWILIO_AUTH_TOKEN"));
        if (change == "package") Assert.Contains(OtherSha, run["RELAY_PACKAGE_URL"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_run_command_is_auto_named_and_replaced_on_any_change()
    {
        var install = Program()["relayInstall"];
        Assert.Null(Install(Program()).Name);
        Assert.Equal(["*"], install.Options.ReplaceOnChanges);
        Assert.False(install.Options.DeleteBeforeReplace); // a same-name re-create would not run on Linux (#178)
        var yaml = YamlProgramWriter.Write(Program());
        Assert.Contains("replaceOnChanges:\n      - \"*\"", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_second_deploy_runs_the_install_with_its_secrets_and_the_new_inputs(string change)
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program())));
        Assert.Null(api.Up(Changed(change)));
        Assert.Equal(2, api.Runs.Count);
        AssertRanWithSecretsAndNewInputs(api.Runs[^1], change);
        Assert.Equal([api.RecordedName!], api.OnVmFailed.Keys); // the old run command is deleted after the new one ran
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_failed_install_is_run_again_with_its_secrets_by_the_next_up(string change)
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program())));
        api.FailNextRuns = 1; // e.g. the VM's read access to the package still propagating past the script's bound
        Assert.NotNull(api.Up(Changed(change)));
        Assert.Null(api.Up(Changed(change)));
        Assert.Equal(3, api.Runs.Count);
        AssertRanWithSecretsAndNewInputs(api.Runs[^1], change);
        // The failed attempt stays on the VM, outside the stack (docs/operations.md says how to remove it).
        Assert.Equal(2, api.OnVmFailed.Count);
        Assert.Single(api.OnVmFailed, kv => kv.Value);
    }

    [Fact]
    public void A_failed_first_install_is_run_again_by_the_next_up()
    {
        var api = new RunCommandApiStandIn { FailNextRuns = 1 };
        Assert.NotNull(api.Up(Goal(Program())));
        Assert.Null(api.Up(Goal(Program())));
        Assert.Equal(2, api.Runs.Count);
        Assert.Equal("key-1", api.Runs[^1].GetValueOrDefault("RELAY_SIGNING_KEY"));
    }

    [Fact]
    public void Going_back_to_earlier_inputs_runs_the_install_again()
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program())));
        Assert.Null(api.Up(Changed("package")));
        Assert.Null(api.Up(Goal(Program())));
        Assert.Equal(3, api.Runs.Count);
        Assert.DoesNotContain(OtherSha, api.Runs[^1]["RELAY_PACKAGE_URL"], StringComparison.Ordinal);
    }

    [Fact]
    public void An_unchanged_program_runs_nothing()
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program())));
        Assert.Null(api.Up(Goal(Program())));
        Assert.Single(api.Runs);
    }

    // The program of 2026-12-06 through the same stand-in: it reached the VM with every change, but never retried.

    [Theory]
    [MemberData(nameof(Changes))]
    public void Legacy_named_run_command_reached_the_vm_with_each_change(string change)
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program(), legacy: true)));
        Assert.Null(api.Up(Changed(change, legacy: true)));
        AssertRanWithSecretsAndNewInputs(api.Runs[^1], change);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void Legacy_named_run_command_never_ran_a_failed_install_again(string change)
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program(), legacy: true)));
        api.FailNextRuns = 1;
        Assert.NotNull(api.Up(Changed(change, legacy: true)));
        var third = api.Up(Changed(change, legacy: true));
        if (change == "secret")
        {
            // A failed in-place update is recorded with init errors; the next up sends an empty update: no run,
            // reported as success, and the new key never reaches the VM.
            Assert.Null(third);
            Assert.Equal(2, api.Runs.Count);
        }
        else
        {
            Assert.Contains("needs to be imported", third, StringComparison.Ordinal); // the failed run command holds its name
            Assert.Equal(2, api.Runs.Count);
        }
    }

    [Fact]
    public void Legacy_named_run_command_did_not_run_when_inputs_went_back()
    {
        var api = new RunCommandApiStandIn();
        Assert.Null(api.Up(Goal(Program(), legacy: true)));
        Assert.Null(api.Up(Changed("package", legacy: true)));
        Assert.Null(api.Up(Goal(Program(), legacy: true)));
        Assert.Equal(2, api.Runs.Count); // the earlier name, deleted and created again, does not run (#178)
    }

    [Fact]
    public void The_program_holds_no_secret()
    {
        var yaml = YamlProgramWriter.Write(Program());
        Assert.DoesNotContain("v1:fixture", yaml, StringComparison.Ordinal);
        Assert.Contains("value: \"${relaySigningKey}\"", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void The_monitor_agent_extension_waits_for_the_run_command()
    {
        var agent = Program()["relayMonitorAgent"];
        Assert.Contains(agent.Options.DependsOn, d => d.Name == "relayInstall");
    }

    /// <summary>The run command's name and options as the program of 2026-12-06 rendered them (RelayDeployResources.RunCommandNameFor).</summary>
    private static class Legacy
    {
        public static RunCommandApiStandIn.Goal Of(RunCommandApiStandIn.Goal goal, string blobName)
        {
            // The package URL carried the sources' hash, the rest were the public parameters: hashing the resolved
            // parameters gives a name that changes exactly when the old one did.
            var identity = string.Join("\n", [blobName, .. goal.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")]);
            var name = "voice-edge-relay-install-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..12];
            return goal with { Name = name, ReplaceOnChanges = [], DeleteBeforeReplace = false };
        }
    }
}
