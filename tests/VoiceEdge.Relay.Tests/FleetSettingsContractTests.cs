using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The fleet settings as the infra program renders them (its reviewed golden of the two-relay fixture,
/// tests/VoiceEdge.Infra.Tests/Goldens/fleet.yaml) are settings this relay starts with and reads as meant: the two
/// sides of the contract are written by different code, so one test holds them together.
/// </summary>
public partial class FleetSettingsContractTests
{
    private static string Golden => File.ReadAllText(Path.Combine(RepoRoot(), "tests", "VoiceEdge.Infra.Tests", "Goldens", "fleet.yaml"));

    [Theory]
    [InlineData("weu", "westeurope")]
    [InlineData("eus", "eastus")]
    public async Task A_relay_starts_with_the_settings_its_run_command_carries_and_knows_the_fleet(string relay, string region)
    {
        var (publicBase, lines) = RunCommandSettings(relay);
        Assert.Contains(lines, l => l.StartsWith("Relay__Fleet__", StringComparison.Ordinal));
        await using var upstream = await EchoUpstream.StartAsync();
        // Loopback only: the rendered backend URL (a GPU host) is swapped for the local echo; nothing else changes.
        var settings = lines
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)]["Relay__".Length..].Replace("__", ":", StringComparison.Ordinal), Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .Select(s => s.Key.EndsWith(":Url", StringComparison.Ordinal) && s.Key.StartsWith("Backends:", StringComparison.Ordinal) ? (s.Key, upstream.ChatUri.ToString()) : s)
            .Append(("PublicBaseUrl", publicBase))
            .ToArray();
        await using var started = await RelayUnderTest.StartAsync(upstream.ChatUri, null, settings);

        var options = started.Services.GetRequiredService<IOptions<RelayOptions>>().Value;
        Assert.Equal(relay, options.Name);
        Assert.Equal(["weu", "eus"], options.Fleet.Select(f => f.Name));
        var self = options.Fleet.Single(f => f.Name == relay);
        Assert.Equal(region, self.Region);
        Assert.Equal(new Uri($"https://ws-{relay}.example.io"), self.Url);
        Assert.NotNull(self.Latitude);
        Assert.NotNull(self.Longitude);
        Assert.Equal(HttpStatusCode.OK, (await started.Http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
    }

    /// <summary>The relay's public base URL and its environment lines (RELAY_SETTING_n), as the run command of that relay passes them.</summary>
    private static (string PublicBase, List<string> Lines) RunCommandSettings(string relay)
    {
        var text = Golden;
        var start = text.IndexOf($"\n  inst-{relay}:\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"the fleet golden has no run command inst-{relay}");
        var end = TopLevelResource().Match(text, start + 2) is { Success: true } next ? next.Index : text.Length;
        var block = text[start..end];
        // A double-quoted YAML scalar here uses only JSON's escapes; a plain one is the text itself.
        static string Value(Match m) => m.Groups["value"].Value is ['"', ..] quoted ? JsonSerializer.Deserialize<string>(quoted)! : m.Groups["value"].Value;
        var parameters = Parameter().Matches(block).ToDictionary(m => m.Groups["name"].Value, Value);
        var lines = parameters.Where(p => p.Key.StartsWith("RELAY_SETTING_", StringComparison.Ordinal))
            .OrderBy(p => int.Parse(p.Key["RELAY_SETTING_".Length..], System.Globalization.CultureInfo.InvariantCulture)).Select(p => p.Value).ToList();
        return (parameters["RELAY_PUBLIC_BASE_URL"], lines);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "voice-edge.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    [GeneratedRegex(@"\n  [A-Za-z][A-Za-z0-9-]*:\n")]
    private static partial Regex TopLevelResource();

    [GeneratedRegex("- name: (?<name>[A-Z_0-9]+)\\n\\s+value: (?<value>\"(?:[^\"\\\\]|\\\\.)*\"|[^\"\\n][^\\n]*)")]
    private static partial Regex Parameter();
}
