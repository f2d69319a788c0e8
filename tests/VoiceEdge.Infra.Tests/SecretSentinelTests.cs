using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>Secret values given to the compiler never reach the program or the plan; only references do.</summary>
public class SecretSentinelTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("pr-9")]
    public void Decrypted_secrets_never_appear_in_the_program_or_plan(string stack)
    {
        // A preview stack refuses the secrets of a relay it does not deploy (the rotation keys).
        var secrets = CompilerContractTests.SentinelSecrets
            .Where(kv => !(stack.StartsWith("pr-", StringComparison.Ordinal) && ConfigKeys.All.Single(k => k.Qualified == kv.Key).RefusedInPreview))
            .ToDictionary();
        var json = CompilerContractTests.PulumiConfigFor(stack, secrets);
        var config = StackConfigSources.FromPulumiEnvironment(stack, json, null);
        var settings = SettingsReader.Read(config, Stacks.Catalog.OthersThan(stack));
        var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
        var yaml = YamlProgramWriter.Write(program);
        var plan = PlanWriter.Write(settings, program);
        foreach (var sentinel in CompilerContractTests.SentinelSecrets.Values)
        {
            Assert.DoesNotContain(sentinel, yaml);
            Assert.DoesNotContain(sentinel, plan);
        }
        Assert.Contains("${relaySigningKey}", yaml);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void The_relay_deploy_carries_secrets_only_as_protected_parameters_of_its_run_command(string stack)
    {
        var json = CompilerContractTests.PulumiConfigFor(stack, CompilerContractTests.SentinelSecrets);
        var settings = SettingsReader.Read(StackConfigSources.FromPulumiEnvironment(stack, json, null), Stacks.Catalog.OthersThan(stack));
        var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
        var secretRefs = ConfigKeys.Secrets.Select(k => Expr.Config(ConfigKeys.Unqualified(k))).ToList();

        var install = program.All<RunCommand>().Single();
        Assert.Equal(
            ["${relaySigningKey}", "${relaySigningKeyNext}", "${twilioAuthToken}", "${twilioWebhookSharedKey}"],
            install.ProtectedParameters.Select(p => p.Value));
        Assert.All(install.Parameters, p => Assert.DoesNotContain(secretRefs, r => p.Value.Contains(r, StringComparison.Ordinal)));
        Assert.Equal(new Fn("readFile", "relay/deploy/run-command.sh"), install.Source.Script);

        // No other deploy resource mentions a secret, and nothing opens a connection to the VM.
        foreach (var resource in program.Resources.Where(r => r.Concern == Concern.RelayDeploy && r.Args is not RunCommand))
        {
            var text = YamlProgramWriter.Write(program with { Resources = [resource], Config = [], Outputs = [] });
            Assert.DoesNotContain(secretRefs, r => text.Contains(r, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(program.Resources, r => r.Args.TypeToken.StartsWith("command:remote:", StringComparison.Ordinal));
        Assert.DoesNotContain("sshPrivateKey", YamlProgramWriter.Write(program));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_webhook_shared_key_reaches_the_vm_only_as_a_protected_parameter_and_only_when_set(bool set)
    {
        const string Key = "voice-edge:twilioWebhookSharedKey";
        var secrets = CompilerContractTests.SentinelSecrets.Where(kv => set || kv.Key != Key).ToDictionary();
        var json = CompilerContractTests.PulumiConfigFor("prod", secrets);
        var settings = SettingsReader.Read(StackConfigSources.FromPulumiEnvironment("prod", json, null), Stacks.Catalog.OthersThan("prod"));
        var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
        var install = program.All<RunCommand>().Single();
        var yaml = YamlProgramWriter.Write(program);

        var shared = install.ProtectedParameters.Where(p => p.Name == "RELAY_TWILIO_WEBHOOK_SHARED_KEY").Select(p => p.Value);
        Assert.Equal(set ? ["${twilioWebhookSharedKey}"] : [], shared);
        Assert.DoesNotContain(install.Parameters, p => p.Name.Contains("SHARED_KEY", StringComparison.Ordinal) || p.Value.Contains("twilioWebhookSharedKey", StringComparison.Ordinal));
        Assert.Equal(set, program.Config.Contains(new ConfigDeclaration("twilioWebhookSharedKey", Secret: true)));
        Assert.Equal(set, yaml.Contains("${twilioWebhookSharedKey}", StringComparison.Ordinal));
        foreach (var sentinel in secrets.Values)
        {
            Assert.DoesNotContain(sentinel, yaml);
            Assert.DoesNotContain(sentinel, PlanWriter.Write(settings, program));
        }
    }

    [Fact]
    public void The_run_command_script_never_echoes_a_secret_parameter()
    {
        var script = File.ReadAllText(Repo.Path("relay", "deploy", "run-command.sh"));
        foreach (var line in script.Split('\n').Where(l => new[] { "RELAY_SIGNING_KEY", "RELAY_TWILIO_AUTH_TOKEN", "RELAY_TWILIO_WEBHOOK_SHARED_KEY" }.Any(n => l.Contains(n, StringComparison.Ordinal))))
        {
            var code = line.TrimStart();
            if (code.StartsWith('#')) continue;
            // The optional ones: `if [ -n "${NAME:-}" ]; then printf 'Relay__...' "$NAME"; fi`.
            var optionalPrintf = System.Text.RegularExpressions.Regex.IsMatch(code,
                "^if \\[ -n \"\\$\\{(RELAY_[A-Z_]+):-\\}\" \\]; then printf 'Relay__[A-Za-z]+=%s\\\\n' \"\\$\\1\"; fi$");
            Assert.True(code.StartsWith(": \"${RELAY_SIGNING_KEY:?", StringComparison.Ordinal) || code.StartsWith("printf 'Relay__", StringComparison.Ordinal)
                || code == "if [ -n \"${RELAY_TWILIO_WEBHOOK_SHARED_KEY:-}\" ]; then" || optionalPrintf,
                $"a secret parameter is used outside the builtin printf into install.sh's stdin: {code}");
        }
    }

    [Fact]
    public void Goldens_hold_no_secret_material()
    {
        foreach (var file in Directory.EnumerateFiles(Repo.GoldensDir))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("placeholder-ciphertext", text);
            Assert.DoesNotContain("SENTINEL", text);
            Assert.DoesNotContain("BEGIN OPENSSH PRIVATE KEY", text);
        }
    }
}
