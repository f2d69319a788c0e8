using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// voiceBackends and voiceQueryKeys of any shape and content: refused with named, printable problems, or turned into
/// relay environment lines that run-command.sh passes on and install.sh keeps, each a single safe line. The two
/// scripts' own patterns are read from relay/deploy, so a script that drifts from RelayEnvironment fails here.
/// </summary>
public class VoiceBackendsHostileTests
{
    private static readonly Regex RunCommandPattern = ScriptPattern("run-command.sh", @"\[\[ ""\$line"" =~ (?<p>\S+) \]\]");
    private static readonly Regex InstallPattern = ScriptPattern("install.sh", @"grep -E '(?<p>\^Relay__[^']+)'");

    private static Regex ScriptPattern(string script, string finder)
    {
        var text = File.ReadAllText(Repo.Path("relay", "deploy", script));
        var m = Regex.Match(text, finder);
        Assert.True(m.Success, $"relay/deploy/{script}: the setting-name pattern was not found");
        return new Regex(m.Groups["p"].Value, RegexOptions.CultureInvariant);
    }

    private static readonly Gen<object?> Url = Gen.Frequency(
        (16, Gen.OneOf<object?>("wss://gpu.example.com:8998/api/chat", "ws://10.0.0.5:8998/api/chat", "wss://192.168.1.9/api/chat?x=1",
            "wss://gpu.example.com/api/chat#frag", "wss://[fd00::1]:8998/api/chat", "wss://gpu.example.com/a b")),
        (3, HostileInput.Text.Select(t => (object?)t)),
        (1, Gen.OneOf<object?>(null, 42, true)));

    private static readonly Gen<object?> Capacity = Gen.Frequency(
        (6, Gen.Int[1, 100_000].Select(i => (object?)i)),
        (2, Gen.Int[-2, 100_002].Select(i => (object?)i)),
        (1, HostileInput.Text.Select(t => (object?)t)),
        (1, Gen.OneOf<object?>(null, 1.5, true, Array.Empty<int>())));

    private static readonly Gen<object?> Pin = Gen.Frequency(
        (8, Gen.OneOf<object?>("3f1a7c2b9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")),
        (2, HostileInput.Text.Select(t => (object?)t)),
        (1, Gen.OneOf<object?>(null, 7)));

    private static readonly Gen<string> QueryKey = Gen.Frequency(
        (12, Gen.OneOf<string>("voice_prompt", "text_prompt", "seed", "a", "A9_b")),
        (3, Gen.OneOf<string>("voice__prompt", "_x", "x_", "9x", "a-b", "a.b")),
        (2, HostileInput.Text));

    private static readonly Gen<object?> QueryValue = Gen.Frequency(
        (12, Gen.OneOf<object?>("NATF2.pt", "You're calm, and you say \"hi\".", "42", 7, "a/b", "x=y&z", "é😀", "${relaySigningKey}", "$(rm -rf /)")),
        (3, HostileInput.Text.Select(t => (object?)t)),
        (2, Gen.OneOf<object?>("NATF2.pt", "You're calm.", "C:\\x", " x", "x ", "'q'", "a\nRelay__SigningKey=x", "a\rb")),
        (1, Gen.OneOf<object?>(null, 42, -1.5, true, new Dictionary<string, object?> { ["a"] = 1 })));

    private static readonly Gen<object?> DefaultQuery = Gen.Frequency(
        (8, Gen.Select(QueryKey, QueryValue).Array[0, 3].Select(pairs => (object?)pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2))),
        (1, HostileInput.Text.Select(t => (object?)t)));

    /// <summary>A backend object with each field present or not, right or wrong, and now and then a field the relay does not know.</summary>
    private static readonly Gen<Dictionary<string, object?>> Backend =
        Gen.Select(Url, Capacity, Pin, DefaultQuery, Gen.Int[0, 15], Gen.OneOf("Capacity", "url ", "extra", "secure")).Select(t =>
        {
            var (url, capacity, pin, query, mask, odd) = t;
            var b = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (mask != 1) b["url"] = url;
            if ((mask & 2) != 0) b["capacity"] = capacity;
            if ((mask & 4) != 0) b["certificateSha256"] = pin;
            if ((mask & 8) != 0) b["defaultQuery"] = query;
            if (mask == 14) b[odd] = "x";
            return b;
        });

    private static readonly Gen<string> BackendsJson = Gen.Frequency(
        (12, Backend.Array[1, 2].Select(list => Json(list))),
        (1, HostileInput.JsonValue(3)),
        (1, HostileInput.Text));

    private static readonly Gen<string?> QueryKeysJson = Gen.Frequency(
        (3, Gen.Const((string?)null)),
        (3, QueryKey.Array[0, 3].Select(keys => (string?)Json(keys))),
        (1, HostileInput.JsonValue(2).Select(j => (string?)j)),
        (1, HostileInput.Text.Select(t => (string?)t)));

    /// <summary>JSON of generated values; text with a lone surrogate cannot be JSON at all, so such a case becomes `[]`.</summary>
    private static string Json(object value)
    {
        try
        {
            return JsonSerializer.Serialize(value);
        }
        catch (ArgumentException)
        {
            return "[]";
        }
    }

    private static readonly StackConfig Dev = Stacks.Catalog.Load("dev");

    [Fact]
    public void Any_voice_backends_are_refused_with_named_problems_or_become_single_lines_both_deploy_scripts_pass()
    {
        Fuzz.Check(Gen.Select(BackendsJson, QueryKeysJson), t =>
        {
            var (backends, queryKeys) = t;
            var config = Stacks.Edited(Dev, (K.VoiceBackends, backends), (K.VoiceQueryKeys, queryKeys));
            StackSettings settings;
            try
            {
                settings = SettingsReader.Read(config, []);
            }
            catch (InvalidConfigException e)
            {
                foreach (var p in e.Problems)
                {
                    Assert.Equal("Pulumi.dev.yaml", p.Source);
                    Assert.False(string.IsNullOrWhiteSpace(p.Fix));
                    var line = p.ToString();
                    Assert.True(line.Length < 1_000, $"a problem line of {line.Length} characters");
                    Assert.DoesNotContain(line, char.IsControl);
                }
                Assert.All(e.Problems, p => Assert.Contains(p.Key, new[] { K.VoiceBackends.Qualified, K.VoiceQueryKeys.Qualified, K.TwilioUpstream.Qualified }));
                return;
            }

            var edge = settings.Edge!;
            Assert.InRange(edge.VoiceBackends.Count, 1, VoiceBackendRules.MaxBackends);
            foreach (var line in RelayEnvironment.Lines(edge, settings.Relays[0], settings.Relays))
            {
                Assert.Matches(RunCommandPattern, line);
                Assert.Matches(InstallPattern, line);
                Assert.DoesNotContain(line, char.IsControl);
                var value = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
                Assert.DoesNotContain('\\', value);
                Assert.Equal(value.Trim(), value);
                Assert.False(value.StartsWith('"') || value.StartsWith('\''), value);
            }
            Assert.Equal(RelayEnvironment.Lines(edge, settings.Relays[0], settings.Relays).Count, StackProgramBuilder.Build(settings, new FixedArtifacts()).Resources
                .Select(r => r.Args).OfType<VoiceEdge.Infra.Providers.RunCommand>().Single().Parameters
                .Count(p => p.Name.StartsWith(RelayEnvironment.ParameterPrefix, StringComparison.Ordinal)));
        }, ciIterations: 300);
    }

    [Fact]
    public void The_deploy_scripts_patterns_refuse_what_the_relay_must_never_get_from_a_setting()
    {
        foreach (var line in new[] { "Relay__SigningKey=x", "Relay__TwilioAuthToken=x", "Relay__Backends__0__DefaultQuery__a__b=x", "NotRelay=x" })
            Assert.DoesNotMatch(RunCommandPattern, line);
        Assert.Matches(RunCommandPattern, "Relay__Backends__12__DefaultQuery__voice_prompt=NATF2.pt");
        Assert.Matches(InstallPattern, "Relay__Backends__12__DefaultQuery__voice_prompt=NATF2.pt");
        Assert.DoesNotMatch(InstallPattern, "Relay__Backends__0__DefaultQuery__a__b=x");
    }
}
