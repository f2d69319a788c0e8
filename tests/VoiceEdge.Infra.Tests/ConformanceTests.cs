using System.Text.Json;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Every emitted type token and property, nested ones too, checked against the official provider SDK packages
/// pinned in tests/provider-sdks (run `npm ci --ignore-scripts` there first; .ci/install does).
/// </summary>
public class ConformanceTests
{
    private static readonly string[] StackNames = ["dev", "prod", "pr-1"];

    /// <summary>The committed stacks, a preview, and one fixture stack per plan (so every plan's types are checked).</summary>
    private static IEnumerable<(string Name, PulumiProgram Program)> Programs() =>
        StackNames.Select(s => (s, Stacks.Program(s)))
            .Concat(PlanFixtures.Plans.Select(p => (PlanFixtures.StackName(p), PlanFixtures.Program(p))))
            .Append((FleetFixture.Stack, FleetFixture.Program()));

    [Fact]
    public void Every_new_monitoring_type_is_covered()
    {
        var tokens = Programs().SelectMany(p => p.Program.Resources.Select(r => r.Args.TypeToken)).ToHashSet();
        foreach (var token in new[]
        {
            "azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace", "azure:appinsights/insights:Insights",
            "azure:appinsights/standardWebTest:StandardWebTest", "azure:compute/extension:Extension",
            "azure:monitoring/dataCollectionRule:DataCollectionRule", "azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation",
            "azure:monitoring/scheduledQueryRulesAlertV2:ScheduledQueryRulesAlertV2", "cloudflare:index/healthcheck:Healthcheck",
            "cloudflare:index/notificationPolicy:NotificationPolicy", "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks",
        })
            Assert.Contains(token, tokens);
    }

    [Fact]
    public void The_sdk_packages_are_installed_at_the_versions_the_program_pins()
    {
        foreach (var (package, version) in ProviderVersions.ByPackage)
        {
            var packageJson = Path.Combine(TypeScriptConformance.ModuleDir(package), "package.json");
            Assert.True(File.Exists(packageJson), $"{packageJson} missing: run `npm ci --ignore-scripts` in tests/provider-sdks");
            using var doc = JsonDocument.Parse(File.ReadAllText(packageJson));
            Assert.Equal(version, doc.RootElement.GetProperty("version").GetString()!.TrimStart('v'));
        }
    }

    /// <summary>
    /// No emitted top-level input is <c>@deprecated</c> in its SDK's <c>{Class}Args</c> (e.g. Blob's
    /// storageAccountName and storageContainerName in azure 6.40.0's storage/blob.d.ts: use storageContainerId).
    /// </summary>
    [Fact]
    public void No_emitted_input_is_deprecated_in_the_sdk()
    {
        var problems = new List<string>();
        foreach (var r in Programs().SelectMany(p => p.Program.Resources).DistinctBy(r => (r.Args.TypeToken, r.Name)))
        {
            var (_, className, js) = TypeScriptConformance.Locate(r.Args.TypeToken);
            var dts = File.ReadAllText(Path.ChangeExtension(js, ".d.ts"));
            var start = dts.IndexOf($"export interface {className}Args {{", StringComparison.Ordinal);
            Assert.True(start >= 0, $"{r.Args.TypeToken}: no {className}Args in {js}");
            var body = dts[start..dts.IndexOf("\n}", start, StringComparison.Ordinal)];
            var emitted = r.Args.GetType().GetProperties()
                .Where(p => p.DeclaringType != typeof(ResourceArgs) && p.Name is not ("TypeToken" or "EqualityContract") && p.GetValue(r.Args) is not null)
                .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);
            foreach (var property in emitted)
            {
                var doc = System.Text.RegularExpressions.Regex.Match(body, $@"/\*\*((?:(?!\*/)[\s\S])*)\*/\s*{property}\??:");
                if (doc.Success && doc.Groups[1].Value.Contains("@deprecated", StringComparison.Ordinal))
                    problems.Add($"{r.Name} ({r.Args.TypeToken}).{property} is deprecated in {Path.GetFileName(js)[..^3]}.d.ts");
            }
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void Every_emitted_type_token_is_declared_by_its_sdk_class()
    {
        var tokens = Programs().SelectMany(p => p.Program.Resources.Select(r => r.Args.TypeToken)).Distinct().ToList();
        Assert.True(tokens.Count >= 20, $"expected the whole graph, got {tokens.Count} types");
        foreach (var token in tokens)
            Assert.True(TypeScriptConformance.DeclaredToken(token) == token, $"{token}: no SDK class declares this __pulumiType ({TypeScriptConformance.Locate(token).JsFile})");
    }

    [Fact]
    public void A_renamed_or_unknown_type_token_is_caught()
    {
        Assert.Null(TypeScriptConformance.DeclaredToken("cloudflare:index/workerRoute:WorkerRoute"));
        Assert.Null(TypeScriptConformance.DeclaredToken("cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride"));
    }

    [Fact]
    public void Every_emitted_property_type_checks_against_the_sdk_and_a_misspelling_does_not()
    {
        var sources = Programs().ToDictionary(p => p.Name.Replace('-', '_'), p => TypeScriptConformance.Source(TypeScriptConformance.Resources(p.Program)));
        sources["broken"] = TypeScriptConformance.Source(BrokenResources());
        var (_, output) = TypeScriptConformance.Check(sources);

        var errors = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("error TS", StringComparison.Ordinal)).ToList();
        var stackErrors = errors.Where(e => !e.StartsWith("broken.ts", StringComparison.Ordinal)).ToList();
        Assert.True(stackErrors.Count == 0, "emitted programs do not match the provider SDKs:\n" + string.Join('\n', stackErrors) + "\n" + output[..Math.Min(output.Length, 2000)]);

        // The deliberately broken copy proves the check can fail, at the top level, nested, and for a missing required input.
        var broken = errors.Where(e => e.StartsWith("broken.ts", StringComparison.Ordinal)).ToList();
        Assert.Contains(broken, e => e.Contains("proxyed", StringComparison.Ordinal));
        Assert.Contains(broken, e => e.Contains("requestPerPeriod", StringComparison.Ordinal));
        Assert.Contains(broken, e => e.Contains("TS2345", StringComparison.Ordinal));
        Assert.Contains("Property 'ttl' is missing", output, StringComparison.Ordinal);
        Assert.Contains(broken, e => e.Contains("sourceAdressPrefix", StringComparison.Ordinal));
        // ...and for the monitoring types: a top-level Azure property, a nested Cloudflare one.
        Assert.Contains(broken, e => e.Contains("windowDurations", StringComparison.Ordinal));
        Assert.Contains(broken, e => e.Contains("expectedCode'", StringComparison.Ordinal) || e.Contains("expectedCode\"", StringComparison.Ordinal));
    }

    /// <summary>Real emitted resources with one property misspelt, one nested one misspelt, one required one removed.</summary>
    private static IEnumerable<(string, string, object?)> BrokenResources()
    {
        var prod = Stacks.Program("prod");
        yield return Mutate(prod["relayDns"], props => Rename(props, "proxied", "proxyed"));
        yield return Mutate(prod["relayDns"], props => props.RemoveAll(kv => kv.Key == "ttl"));
        yield return Mutate(prod["voiceRateLimit"], props =>
        {
            var rule = (List<KeyValuePair<string, object?>>)((List<object?>)Get(props, "rules"))[0]!;
            Rename((List<KeyValuePair<string, object?>>)Get(rule, "ratelimit"), "requestsPerPeriod", "requestPerPeriod");
        });
        var enterprise = PlanFixtures.Program("enterprise");
        yield return Mutate(enterprise["relayErrorAlert"], props => Rename(props, "windowDuration", "windowDurations"));
        yield return Mutate(enterprise["relayHealthCheck"], props => Rename((List<KeyValuePair<string, object?>>)Get(props, "httpConfig"), "expectedCodes", "expectedCode"));
        yield return Mutate(prod["relayNsg"], props =>
        {
            var rule = (List<KeyValuePair<string, object?>>)((List<object?>)Get(props, "securityRules"))[0]!;
            Rename(rule, "sourceAddressPrefix", "sourceAdressPrefix");
        });
    }

    private static (string, string, object?) Mutate(Resource resource, Action<List<KeyValuePair<string, object?>>> change)
    {
        var props = Infra.Rendering.ValueTree.OfArgs(resource.Args);
        change(props);
        return (resource.Name + "Broken", resource.Args.TypeToken, props);
    }

    private static object Get(List<KeyValuePair<string, object?>> map, string key) => map.Single(kv => kv.Key == key).Value!;

    private static void Rename(List<KeyValuePair<string, object?>> map, string from, string to)
    {
        var i = map.FindIndex(kv => kv.Key == from);
        Assert.True(i >= 0, $"{from} not found");
        map[i] = new(to, map[i].Value);
    }
}
