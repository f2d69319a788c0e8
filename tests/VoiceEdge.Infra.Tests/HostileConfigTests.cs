using System.Text.Json;
using CsCheck;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Arbitrary stack config (wrong types, nulls, deep nesting, huge values, unknown keys) never escapes as an
/// unhandled exception: it is read into settings that render, or refused with problems that name the file,
/// the key and the fix, in lines a terminal can show.
/// </summary>
public class HostileConfigTests
{
    private const int MaxProblemLength = 1_000;

    private static readonly string[] Stacks_ = ["dev", "prod", "pr-7"];

    private static readonly Gen<string> AnyKey = Gen.Frequency(
        (6, Gen.OneOf<string>([.. ConfigKeys.Known])),
        (1, HostileInput.Text.Select(t => "voice-edge:" + t)),
        (1, HostileInput.Text));

    /// <summary>One edit: remove the key, set plain text, or mark it secure (with or without a decrypted value).</summary>
    private static readonly Gen<(string Key, ConfigValue? Value)> Edit = Gen.Select(AnyKey, Gen.Frequency(
        (1, Gen.Const((ConfigValue?)null)),
        (5, HostileInput.Text.Select(t => (ConfigValue?)ConfigValue.Plain(t))),
        (1, HostileInput.Text.Select(t => (ConfigValue?)ConfigValue.Secure(t))),
        (1, Gen.Const((ConfigValue?)ConfigValue.Secure()))));

    private static readonly Gen<StackConfig> EditedStack =
        Gen.Select(Gen.OneOf<string>(Stacks_), Edit.Array[0, 6]).Select(t => Apply(Support.Stacks.Catalog.Load(t.Item1), t.Item2));

    private static StackConfig Apply(StackConfig config, (string Key, ConfigValue? Value)[] edits)
    {
        var values = new Dictionary<string, ConfigValue>(config.Values, StringComparer.Ordinal);
        foreach (var (key, value) in edits)
        {
            if (value is null) values.Remove(key);
            else values[key] = value;
        }
        return config with { Values = values };
    }

    [Fact]
    public void Any_edit_of_a_stack_renders_or_is_refused_with_named_problems()
    {
        Fuzz.Check(Gen.Select(EditedStack, EditedStack.Array[0, 2]), t =>
        {
            var (config, others) = t;
            others = [.. others.Where(o => o.StackName != config.StackName)];
            AssertRendersOrIsRefused(config, others);
        }, ciIterations: 300);
    }

    [Fact]
    public void Any_stack_file_text_is_read_or_refused_with_a_message_naming_the_file()
    {
        var document = Gen.Frequency(
            (4, Gen.Select(AnyKey, HostileInput.YamlNode(3)).Array[0, 8]
                .Select(entries => "config:\n" + string.Concat(entries.Select(e => $"  {HostileInput.Quote(e.Item1)}: {e.Item2}\n")))),
            (2, HostileInput.YamlNode(4).Select(node => "config: " + node + "\n")),
            (1, HostileInput.YamlNode(4)),
            (1, HostileInput.Text));
        Fuzz.Check(document, text =>
        {
            StackConfig config;
            try
            {
                config = StackConfigSources.FromYaml("dev", "Pulumi.dev.yaml", text);
            }
            catch (ConfigFileException e)
            {
                AssertPrintable(e.Message);
                Assert.StartsWith("Pulumi.dev.yaml: ", e.Message);
                return;
            }
            AssertRendersOrIsRefused(config, []);
        }, ciIterations: 300);
    }

    [Fact]
    public void Any_PULUMI_CONFIG_is_read_or_refused_with_a_message_naming_it()
    {
        var json = Gen.Frequency(
            (3, Gen.Select(AnyKey, HostileInput.JsonValue(3)).Array[0, 8]
                .Select(entries => "{" + string.Join(",", entries.Select(e => JsonSerializer.Serialize(e.Item1) + ":" + e.Item2)) + "}")),
            (1, HostileInput.JsonValue(4)),
            (1, HostileInput.Text));
        var secretKeys = Gen.Frequency((2, Gen.Const((string?)null)), (1, HostileInput.JsonValue(2).Select(s => (string?)s)), (1, HostileInput.Text.Select(s => (string?)s)));
        Fuzz.Check(Gen.Select(json, secretKeys), t =>
        {
            StackConfig config;
            try
            {
                config = StackConfigSources.FromPulumiEnvironment("dev", t.Item1, t.Item2);
            }
            catch (ConfigFileException e)
            {
                AssertPrintable(e.Message);
                Assert.StartsWith("PULUMI_CONFIG", e.Message);
                return;
            }
            AssertRendersOrIsRefused(config, []);
        }, ciIterations: 300);
    }

    [Fact]
    public void Regression_kept_rate_limit_rules_with_a_lone_surrogate_are_refused_as_not_JSON()
    {
        // A lone UTF-16 surrogate cannot be encoded as UTF-8: JsonDocument.Parse throws ArgumentException, not JsonException.
        var config = Apply(Support.Stacks.Catalog.Load("prod"), [
            (ConfigKeys.RateLimitRulesetId, ConfigValue.Plain("0123456789abcdef0123456789abcdef")),
            (ConfigKeys.RateLimitKeptRules, ConfigValue.Plain("[\"\uD800\"]")),
        ]);
        var e = Assert.Throws<InvalidConfigException>(() => SettingsReader.Read(config, []));
        Assert.Contains(e.Problems, p => p.Key == ConfigKeys.RateLimitKeptRules && p.Problem.Contains("not JSON", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("config:\n  ? [a, b]\n  : x\n")]
    [InlineData("config:\n  ? {a: 1}\n  : x\n")]
    public void Regression_a_stack_file_key_that_is_not_text_is_refused(string text)
    {
        var e = Assert.Throws<ConfigFileException>(() => StackConfigSources.FromYaml("dev", "Pulumi.dev.yaml", text));
        Assert.Contains("Pulumi.dev.yaml", e.Message);
    }

    [Theory]
    [InlineData("config:\n  voice-edge:zoneName: &z example.com\n  voice-edge:publicHost: *z\n")]
    [InlineData("config: {? &a x : 1, ? *a : 2}\n")]
    public void Regression_a_stack_file_with_yaml_aliases_is_refused_not_a_stack_overflow(string text)
    {
        var e = Assert.Throws<ConfigFileException>(() => StackConfigSources.FromYaml("dev", "Pulumi.dev.yaml", text));
        Assert.Contains("alias", e.Message);
    }

    [Fact]
    public void Regression_a_stack_file_nested_thousands_deep_is_refused_not_a_stack_overflow()
    {
        var text = "config: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var e = Assert.Throws<ConfigFileException>(() => StackConfigSources.FromYaml("dev", "Pulumi.dev.yaml", text));
        Assert.Contains("nested", e.Message);
    }

    [Theory]
    [InlineData("[")]
    [InlineData("{\"a\": 1}")]
    [InlineData("[1, 2]")]
    public void Regression_PULUMI_CONFIG_SECRET_KEYS_that_is_not_a_list_of_names_is_refused(string secretKeys)
    {
        var e = Assert.Throws<ConfigFileException>(() => StackConfigSources.FromPulumiEnvironment("dev", "{}", secretKeys));
        Assert.StartsWith("PULUMI_CONFIG_SECRET_KEYS", e.Message);
    }

    [Fact]
    public void Regression_a_huge_value_is_named_but_not_echoed_whole()
    {
        var huge = new string('a', 300_000);
        var problems = Support.Stacks.Problems(Support.Stacks.Edited("dev", (ConfigKeys.ZoneName, huge)));
        var problem = Assert.Single(problems, p => p.Key == ConfigKeys.ZoneName);
        Assert.True(problem.ToString().Length < MaxProblemLength, problem.ToString()[..200]);
    }

    [Fact]
    public void Regression_control_characters_in_a_value_are_escaped_in_the_message()
    {
        var problems = Support.Stacks.Problems(Support.Stacks.Edited("dev", (ConfigKeys.ZoneName, "\u001b[2Jexample\n.com")));
        var problem = Assert.Single(problems, p => p.Key == ConfigKeys.ZoneName);
        AssertPrintable(problem.ToString());
        Assert.Contains("\\u001b", problem.ToString());
    }

    [Fact]
    public void The_cli_refuses_a_hostile_stack_file_with_exit_2_and_no_stack_trace()
    {
        using var project = new ScratchProject();
        project.Write("Pulumi.dev.yaml", "config:\n  ? [voice-edge:zoneName]\n  : {a: [1, {b: null}]}\n  voice-edge:adminCidrs: \"\\u0000/99\"\n");
        var result = project.Run(null, "render", "dev");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("Pulumi.dev.yaml", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private static void AssertRendersOrIsRefused(StackConfig config, IReadOnlyList<StackConfig> others)
    {
        StackSettings settings;
        try
        {
            settings = SettingsReader.Read(config, others);
        }
        catch (InvalidConfigException e)
        {
            Assert.NotEmpty(e.Problems);
            foreach (var p in e.Problems)
            {
                Assert.Equal(config.Source, p.Source);
                Assert.False(string.IsNullOrWhiteSpace(p.Key));
                Assert.False(string.IsNullOrWhiteSpace(p.Problem));
                Assert.False(string.IsNullOrWhiteSpace(p.Fix));
                Assert.True(p.ToString().Length < MaxProblemLength, $"a problem line of {p.ToString().Length} characters");
                AssertPrintable(p.ToString());
            }
            return;
        }
        var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
        Assert.False(string.IsNullOrEmpty(YamlProgramWriter.Write(program)));
        Assert.False(string.IsNullOrEmpty(PlanWriter.Write(settings, program)));
    }

    /// <summary>One line, no control characters: nothing a value holds can rewrite the user's terminal.</summary>
    private static void AssertPrintable(string message)
    {
        var bad = message.FirstOrDefault(char.IsControl);
        Assert.True(bad == default, $"control character U+{(int)bad:X4} in: {message[..Math.Min(message.Length, 200)]}");
    }
}
