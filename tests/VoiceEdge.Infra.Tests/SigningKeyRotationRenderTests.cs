using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The steps of rotating relaySigningKey (docs/operations.md "Rotating the signing key"): the extra key reaches the relay
/// as a protected parameter of the run command (every change replaces it, and Create sends them all), never the
/// Worker, and the two steps are refused together.
/// </summary>
public class SigningKeyRotationRenderTests
{
    private static StackConfig WithSecrets(string stack, params ConfigKey[] keys)
    {
        var config = Stacks.Catalog.Load(stack);
        var values = new Dictionary<string, ConfigValue>(config.Values);
        foreach (var key in keys) values[key.Qualified] = ConfigValue.Secure();
        return config with { Values = values };
    }

    private static Resource ProgramResourceOf(PulumiProgram program, RunCommand args) => program.Resources.Single(r => ReferenceEquals(r.Args, args));

    private static PulumiProgram Render(StackConfig config) =>
        StackProgramBuilder.Build(SettingsReader.Read(config, Stacks.Catalog.OthersThan(config.StackName)), new FixedArtifacts());

    [Theory]
    [InlineData("dev", "relaySigningKeyNext", "RELAY_SIGNING_KEY_NEXT")]
    [InlineData("prod", "relaySigningKeyNext", "RELAY_SIGNING_KEY_NEXT")]
    [InlineData("dev", "relaySigningKeyPrevious", "RELAY_SIGNING_KEY_PREVIOUS")]
    [InlineData("prod", "relaySigningKeyPrevious", "RELAY_SIGNING_KEY_PREVIOUS")]
    public void The_extra_key_reaches_only_the_relay_as_a_protected_parameter(string stack, string key, string parameter)
    {
        var before = Stacks.Program(stack);
        var during = Render(WithSecrets(stack, ConfigKeys.All.Single(k => k.Name == key)));
        var install = during.All<RunCommand>().Single();

        Assert.Equal([$"${{{key}}}"], install.ProtectedParameters.Where(p => p.Name == parameter).Select(p => p.Value));
        Assert.DoesNotContain(install.Parameters, p => p.Value.Contains(key, StringComparison.Ordinal));
        Assert.Contains(new ConfigDeclaration(key, Secret: true), during.Config);
        // The Worker keeps signing with relaySigningKey: its bindings do not change in either step.
        static string WorkerOf(PulumiProgram p) => YamlProgramWriter.Write(p with { Resources = [.. p.Resources.Where(r => r.Args is WorkersScript)], Config = [], Outputs = [] });
        Assert.Equal(WorkerOf(before), WorkerOf(during));
        // The change replaces the run command (replaceOnChanges: every change goes through Create), whose Create sends
        // every protected parameter, the signing key included (terraform-provider-azurerm v4.80.0
        // internal/services/compute/virtual_machine_run_command_resource.go lines 384-404); an in-place Update would
        // PUT back the GET, which never carries them (lines 421, 513-531, 553-555). On the VM the new settings reach a
        // new relay process by the hand-over: no call drops (docs/operations.md "Rotating the signing key").
        Assert.Equal(["*"], ProgramResourceOf(during, install).Options.ReplaceOnChanges);
        Assert.Equal(["RELAY_SIGNING_KEY", parameter], install.ProtectedParameters.Select(p => p.Name).Where(n => n.StartsWith("RELAY_SIGNING_KEY", StringComparison.Ordinal)));
        Assert.NotEqual(before.All<RunCommand>().Single().ProtectedParameters, install.ProtectedParameters);
    }

    [Fact]
    public void Both_steps_at_once_are_refused_naming_the_way_through()
    {
        var problems = Stacks.Problems(WithSecrets("prod", ConfigKeys.RelaySigningKeyNext, ConfigKeys.RelaySigningKeyPrevious));
        var problem = Assert.Single(problems);
        Assert.Equal(ConfigKeys.RelaySigningKeyPrevious.Qualified, problem.Key);
        Assert.Contains("two steps of one rotation", problem.Problem, StringComparison.Ordinal);
        Assert.Contains("pulumi config rm relaySigningKeyNext -s prod", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preview_stack_refuses_rotation_keys_it_has_no_relay_for()
    {
        var template = Stacks.Catalog.Load("pr-9");
        var values = new Dictionary<string, ConfigValue>(template.Values) { [ConfigKeys.RelaySigningKeyNext.Qualified] = ConfigValue.Secure() };
        var problem = Assert.Single(Stacks.Problems(template with { Values = values }));
        Assert.Equal(ConfigKeys.RelaySigningKeyNext.Qualified, problem.Key);
    }
}
