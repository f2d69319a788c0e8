using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Infra.Tests;

/// <summary>The contract with Pulumi's YAML runtime, exercised on the real compiler process.</summary>
public class CompilerContractTests
{
    /// <summary>What Pulumi puts in PULUMI_CONFIG for the dev stack: plain values, and secrets decrypted.</summary>
    internal static string PulumiConfigFor(string stack, IReadOnlyDictionary<string, string> secrets, params (string Key, string Value)[] overrides)
    {
        var config = Stacks.Catalog.Load(stack).Values
            .Where(kv => !kv.Value.IsSecure)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Text!);
        foreach (var (key, value) in secrets) config[key] = value;
        foreach (var (key, value) in overrides) config[key] = value;
        return JsonSerializer.Serialize(config);
    }

    /// <summary>
    /// A value for every secret a stack can hold at once: relaySigningKeyPrevious is left out because it is refused
    /// beside relaySigningKeyNext (two steps of one rotation); SigningKeyRotationRenderTests covers it.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> SentinelSecrets = ConfigKeys.Secrets
        .Where(k => k != ConfigKeys.RelaySigningKeyPrevious.Qualified)
        .ToDictionary(k => k, k => $"SENTINEL-{ConfigKeys.Unqualified(k)}-5f1c9a");

    [Fact]
    public void Without_a_stack_it_names_every_provider_with_its_pinned_version()
    {
        using var project = new ScratchProject();
        var result = project.Run(null, "compile");
        Assert.Equal(0, result.ExitCode);
        var resources = (YamlMappingNode)YamlDocs.Load(result.Stdout)["resources"];
        var providers = resources.Children.Values.Cast<YamlMappingNode>()
            .ToDictionary(r => r["type"].ToString(), r => r["options"]["version"].ToString());
        Assert.Equal(new Dictionary<string, string>
        {
            ["pulumi:providers:cloudflare"] = "6.22.1",
            ["pulumi:providers:azure"] = "6.40.0",
            ["pulumi:providers:command"] = "1.2.1",
        }, providers);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void With_a_stack_it_renders_that_stack_and_stdout_is_only_the_program(string stack)
    {
        using var project = new ScratchProject();
        var result = project.Run(new Dictionary<string, string>
        {
            ["PULUMI_STACK"] = stack,
            ["PULUMI_PROJECT"] = "voice-edge",
            ["PULUMI_ORGANIZATION"] = "example-org",
            ["PULUMI_CONFIG"] = PulumiConfigFor(stack, SentinelSecrets),
        }, "compile");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var program = YamlDocs.Load(result.Stdout);
        Assert.Equal(["config", "resources", "outputs"], program.Children.Keys.Select(k => k.ToString()));
        var worker = (YamlMappingNode)program["resources"]["worker"]["properties"];
        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ScratchProject.WorkerSource)));
        Assert.Equal(expectedSha, worker["contentSha256"].ToString());
        Assert.Equal($"voice-edge-{stack}", worker["scriptName"].ToString());
        foreach (var secret in SentinelSecrets.Values)
        {
            Assert.DoesNotContain(secret, result.Stdout);
            Assert.DoesNotContain(secret, result.Stderr);
        }
        var declared = (YamlMappingNode)program["config"];
        Assert.All(declared.Children.Values, c => Assert.Equal("true", c["secret"].ToString()));
    }

    [Fact]
    public void Invalid_config_exits_2_naming_the_key_and_emits_nothing()
    {
        using var project = new ScratchProject();
        var result = project.Run(new Dictionary<string, string>
        {
            ["PULUMI_STACK"] = "dev",
            ["PULUMI_CONFIG"] = PulumiConfigFor("dev", SentinelSecrets, (ConfigKeys.ZoneId, "nope"), (ConfigKeys.AdminCidrs, "0.0.0.0/0")),
        }, "compile");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("Pulumi.dev.yaml (PULUMI_CONFIG): voice-edge:cloudflareZoneId: `nope` is not valid", result.Stderr);
        Assert.Contains("voice-edge:adminCidrs: `0.0.0.0/0` opens SSH to the whole internet", result.Stderr);
    }

    [Fact]
    public void A_missing_worker_build_fails_clearly_and_emits_nothing()
    {
        using var project = new ScratchProject(withWorker: false);
        var result = project.Run(null, "render", "dev");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("worker-src/dist/worker.js not found", result.Stderr);
        Assert.Contains("npm --prefix worker-src run build", result.Stderr);
    }

    [Fact]
    public void A_missing_relay_file_fails_clearly()
    {
        using var project = new ScratchProject();
        project.Delete("relay/deploy/install.sh");
        var result = project.Run(null, "render", "dev");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("relay/deploy/install.sh not found", result.Stderr);
    }

    [Fact]
    public void Offline_plan_shows_groups_and_outputs_without_secret_values()
    {
        using var project = new ScratchProject();
        var result = project.Run(null, "plan", "prod");
        Assert.True(result.ExitCode == 0, result.Stderr);
        foreach (var heading in new[] { "Zone (", "Edge (", "Relay host (", "Relay deploy (", "outputs", "+ zoneWebsockets", "settingId: websockets" })
            Assert.Contains(heading, result.Stdout);
        Assert.DoesNotContain("placeholder-ciphertext", result.Stdout);
    }

    [Fact]
    public void Offline_render_of_a_stack_file_that_does_not_exist_says_how_to_create_it()
    {
        using var project = new ScratchProject();
        var result = project.Run(null, "render", "staging");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Pulumi.staging.yaml: not found", result.Stderr);
    }

    [Fact]
    public void Validate_checks_every_committed_stack()
    {
        using var project = new ScratchProject();
        Assert.Equal(0, project.Run(null, "validate").ExitCode);
        project.Write("Pulumi.dev.yaml", File.ReadAllText(Path.Combine(project.Dir, "Pulumi.dev.yaml"))
            .Replace("voice-edge:zoneName: example.com", "voice-edge:zoneName: example.com\n  voice-edge:ownsZone: \"true\"", StringComparison.Ordinal));
        var result = project.Run(null, "validate");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Pulumi.dev.yaml: voice-edge:ownsZone: Pulumi.prod.yaml also owns zone", result.Stderr);
        Assert.Contains("Pulumi.prod.yaml: voice-edge:ownsZone: Pulumi.dev.yaml also owns zone", result.Stderr);
    }
}
