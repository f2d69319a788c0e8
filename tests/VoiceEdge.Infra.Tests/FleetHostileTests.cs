using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// voice-edge:relays of any shape and content, in the fleet fixture: refused with named, printable problems, or a
/// program whose every auto-name fits, whose RELAYS is JSON listing every relay, and whose relay environment lines
/// both deploy scripts pass (their patterns read from relay/deploy). Never an exception.
/// </summary>
public class FleetHostileTests
{
    private static readonly Regex RunCommandPattern = ScriptPattern("run-command.sh", @"\[\[ ""\$line"" =~ (?<p>\S+) \]\]");
    private static readonly Regex InstallPattern = ScriptPattern("install.sh", @"grep -E '(?<p>\^Relay__[^']+)'");

    private static Regex ScriptPattern(string script, string finder)
    {
        var m = Regex.Match(File.ReadAllText(Repo.Path("relay", "deploy", script)), finder);
        Assert.True(m.Success, $"relay/deploy/{script}: the setting-name pattern was not found");
        return new Regex(m.Groups["p"].Value, RegexOptions.CultureInvariant);
    }

    private static readonly Gen<object?> Name = Gen.Frequency(
        (12, Gen.OneOf<object?>("weu", "eus", "a", "x1", "abcdefghijkl", "relay1", "0")),
        (3, Gen.OneOf<object?>("WEU", "we-u", "abcdefghijklm", "", "weu ", "w.eu", "ws")),
        (2, HostileInput.Text.Select(t => (object?)t)),
        (1, Gen.OneOf<object?>(null, 7, true)));

    private static readonly Gen<object?> Location = Gen.Frequency(
        (12, Gen.OneOf<object?>("westeurope", "eastus", "australiaeast", "brazilsouth", "westus3")),
        (2, Gen.OneOf<object?>("WestEurope", "marsnorth", "", "west europe")),
        (1, HostileInput.Text.Select(t => (object?)t)),
        (1, Gen.OneOf<object?>(null, 3)));

    private static readonly Gen<object?> Backends = Gen.Frequency(
        (12, Gen.OneOf<string>("gpu-a.example.io", "gpu-b.example.io", "10.0.0.7").Select(host => (object?)new object[]
        {
            new Dictionary<string, object?> { ["url"] = $"wss://{host}:8998/api/chat", ["defaultQuery"] = new Dictionary<string, object?> { ["text_prompt"] = "Hi." } },
        })),
        (2, Gen.OneOf<object?>(Array.Empty<object>(), "wss://gpu.example.io/api/chat", new object[] { new Dictionary<string, object?> { ["url"] = "ws://127.0.0.1/api/chat" } })),
        (1, HostileInput.Text.Select(t => (object?)t)));

    private static readonly Gen<object?> Optional = Gen.Frequency(
        (6, Gen.OneOf<object?>("Standard_B1ms", "wss://gpu.example.io/twilio", true, false)),
        (1, Gen.OneOf<object?>("yes", null, "B2s", "ws://8.8.8.8/twilio", 5)),
        (1, HostileInput.Text.Select(t => (object?)t)));

    /// <summary>Mostly every field present (mask 0), else some left out, optional ones added, or a field a relay does not have.</summary>
    private static readonly Gen<int> Mask = Gen.Frequency((4, Gen.Const(0)), (3, Gen.Int[0, 31]));

    private static readonly Gen<Dictionary<string, object?>> Relay =
        Gen.Select(Name, Location, Backends, Mask, Optional).Select(t =>
        {
            var (name, location, backends, mask, odd) = t;
            var r = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (mask != 1) r["name"] = name;
            if (mask != 2) r["location"] = location;
            if (mask != 3) r["voiceBackends"] = backends;
            if ((mask & 4) != 0) r["draining"] = odd is bool ? odd : "yes";
            if ((mask & 8) != 0) r["vmSize"] = odd is string size && !size.StartsWith("ws", StringComparison.Ordinal) ? size : odd;
            if ((mask & 16) != 0) r["twilioUpstream"] = odd is string url && url.StartsWith("ws", StringComparison.Ordinal) ? url : odd;
            if (mask == 31) r["region"] = "x";
            return r;
        });

    private static readonly Gen<string> RelaysJson = Gen.Frequency(
        (16, Relay.Array[1, 3].Select(list => Json(list))),
        (1, HostileInput.JsonValue(3)),
        (1, HostileInput.Text));

    private static string Json(object value)
    {
        try { return JsonSerializer.Serialize(value); }
        catch (ArgumentException) { return "[]"; }
    }

    [Fact]
    public void Any_relays_are_refused_with_named_problems_or_render_a_fleet_the_providers_and_scripts_accept()
    {
        var (rendered, refused) = (0, 0);
        Fuzz.Check(RelaysJson, relays =>
        {
            StackSettings settings;
            try
            {
                settings = FleetFixture.Read((K.Relays, relays));
            }
            catch (InvalidConfigException e)
            {
                Assert.NotEmpty(e.Problems);
                foreach (var p in e.Problems)
                {
                    Assert.Contains(p.Key, new[] { K.Relays.Qualified, K.VoiceQueryKeys.Qualified });
                    Assert.False(string.IsNullOrWhiteSpace(p.Fix));
                    var line = p.ToString();
                    Assert.True(line.Length < 1_000, $"a problem line of {line.Length} characters");
                    Assert.DoesNotContain(line, char.IsControl);
                }
                refused++;
                return;
            }
            rendered++;

            var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
            Assert.Empty(AutoNameCheck.Problems(program));
            var listed = JsonNode.Parse(((WorkersScript)program["worker"].Args).Bindings.Single(b => b.Name == "RELAYS").Text)!.AsArray();
            Assert.Equal(settings.Relays.Select(r => r.Name), listed.Select(r => (string)r!["name"]!));
            Assert.Contains(settings.Relays, r => !r.Draining);
            foreach (var relay in settings.Relays)
            {
                Assert.Matches("^[a-z0-9]{1,12}$", relay.Name);
                var lines = ((RunCommand)program[relay.InstallName].Args).Parameters
                    .Where(x => x.Name.StartsWith(RelayEnvironment.ParameterPrefix, StringComparison.Ordinal)).Select(x => x.Value);
                foreach (var line in lines)
                {
                    Assert.Matches(RunCommandPattern, line);
                    Assert.Matches(InstallPattern, line);
                    Assert.DoesNotContain(line, char.IsControl);
                }
            }
        }, ciIterations: 300);
        // Both paths are taken, so neither check is vacuous.
        Assert.True(rendered > 10 && refused > 10, $"{rendered} rendered, {refused} refused");
    }
}
