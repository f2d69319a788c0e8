using VoiceEdge.Infra.Rendering;
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
        var json = CompilerContractTests.PulumiConfigFor(stack, CompilerContractTests.SentinelSecrets);
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
