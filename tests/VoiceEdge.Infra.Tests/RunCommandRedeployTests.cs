using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// A later deploy that changes the relay package or a relay setting reaches the VM with its secrets: the run
/// command's name changes with them, so the provider creates a new one (with protected parameters) instead of
/// updating the old one from a GET that has none (<see cref="RunCommandApiStandIn"/>).
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

    private static void Deploy(RunCommandApiStandIn api, PulumiProgram program, string signingKey = "key-1")
    {
        var install = Install(program);
        var blob = Assert.IsType<StorageBlob>(program["relayPackage"].Args);
        var values = new Dictionary<string, string>
        {
            ["${relayPackage.url}"] = $"https://account.blob.core.windows.net/{RelayDeployResources.ContainerName}/{blob.Name}",
            ["${relaySigningKey}"] = signingKey,
            ["${twilioAuthToken}"] = "twilio-token",
        };
        api.Deploy(install.Name, RunCommandApiStandIn.Resolve(install.Parameters, values), RunCommandApiStandIn.Resolve(install.ProtectedParameters, values));
    }

    public static TheoryData<string> Changes() => ["package", "relay setting"];

    private static PulumiProgram Changed(string change) => change switch
    {
        "package" => Program(OtherSha),
        "relay setting" => Program(edits: ("voice-edge:twilioAccountSid", "AC0123456789abcdef0123456789abcdef")),
        _ => throw new ArgumentException(change),
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_change_renames_the_run_command(string change)
    {
        Assert.NotEqual(Install(Program()).Name, Install(Changed(change)).Name);
        Assert.StartsWith(RelayDeployResources.RunCommandName + "-", Install(Changed(change)).Name, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_second_deploy_runs_the_install_with_its_secrets_and_the_new_inputs(string change)
    {
        var api = new RunCommandApiStandIn();
        Deploy(api, Program());
        Deploy(api, Changed(change));
        Assert.Equal(2, api.Runs.Count);
        var last = api.Runs[^1];
        Assert.Equal("key-1", last.GetValueOrDefault("RELAY_SIGNING_KEY"));
        Assert.Equal("twilio-token", last.GetValueOrDefault("RELAY_TWILIO_AUTH_TOKEN"));
        if (change == "package") Assert.Contains(OtherSha, last["RELAY_PACKAGE_URL"], StringComparison.Ordinal);
        Assert.Single(api.Names); // the old run command is deleted after the new one ran
    }

    [Fact]
    public void A_rotated_secret_alone_updates_in_place_and_the_update_carries_every_secret()
    {
        var api = new RunCommandApiStandIn();
        Deploy(api, Program());
        Deploy(api, Program(), signingKey: "key-2");
        Assert.Equal("key-2", api.Runs[^1].GetValueOrDefault("RELAY_SIGNING_KEY"));
        Assert.Equal("twilio-token", api.Runs[^1].GetValueOrDefault("RELAY_TWILIO_AUTH_TOKEN"));
    }

    [Fact]
    public void The_name_fits_azures_run_command_name_rules_and_holds_no_secret()
    {
        var name = Install(Program()).Name;
        Assert.Matches("^[a-zA-Z0-9][a-zA-Z0-9._-]{0,78}[a-zA-Z0-9_]$", name); // validate/virtual_machine_run_command_name.go
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
}
