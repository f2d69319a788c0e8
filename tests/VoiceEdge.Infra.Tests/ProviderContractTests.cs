using System.Text.RegularExpressions;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Every stack the program can render is held to the providers' own rules (<see cref="ProviderContractTable"/>,
/// read from provider source): auto-names and set names fit the provider's limits, every emitted type has a complete
/// entry, and every input the program renders is read as forcing replacement or updating in place.
/// </summary>
public class ProviderContractTests
{
    public static TheoryData<string> AllStacks() =>
    [
        "committed:dev", "committed:prod", "committed:pr-123", "committed:pr-9999999",
        .. new[] { GraphFixtures.Owner, GraphFixtures.Sharer, GraphFixtures.Preview }.Select(s => $"graph:{s}"),
        .. PlanFixtures.Plans.Select(p => $"plan:{p}"),
    ];

    private static PulumiProgram Render(string stack) => stack.Split(':') switch
    {
        ["committed", var name] => Stacks.Program(name),
        ["graph", var name] => GraphFixtures.Program(name),
        ["plan", var plan] => PlanFixtures.Program(plan),
        _ => throw new ArgumentException(stack),
    };

    [Theory]
    [MemberData(nameof(AllStacks))]
    public void Every_auto_named_resource_fits_its_provider_limit_and_every_type_has_a_contract(string stack)
    {
        var program = Render(stack);
        Assert.NotEmpty(program.Resources);
        Assert.Empty(AutoNameCheck.Problems(program));
    }

    [Fact]
    public void The_check_catches_a_logical_name_too_long_for_the_default_limit_and_a_type_with_no_entry()
    {
        var program = Stacks.Program("prod");
        var alert = program["relayCpuAlert"];
        var tooLong = program with { Resources = [.. program.Resources, alert with { Name = "relayAvailabilityAlertX" }] };
        Assert.Contains(AutoNameCheck.Problems(tooLong), p => p.Contains("'relayAvailabilityAlertX' plus 7 random chars is longer than maximum length 24", StringComparison.Ordinal));

        var unknown = program with { Resources = [.. program.Resources, alert with { Name = "x", Args = new UnknownArgs() }] };
        Assert.Contains(AutoNameCheck.Problems(unknown), p => p.Contains("azure:new/thing:Thing, which has no entry", StringComparison.Ordinal));
    }

    [Fact]
    public void The_table_has_one_entry_per_type_each_with_its_source()
    {
        Assert.Equal(ProviderContractTable.All.Count, ProviderContractTable.All.Select(c => c.TypeToken).Distinct().Count());
        Assert.All(ProviderContractTable.All, c => Assert.Contains("pulumi/pulumi-", c.Source, StringComparison.Ordinal));
        Assert.All(ProviderContractTable.All.Where(c => c.TypeToken.StartsWith("azure:", StringComparison.Ordinal)),
            c => Assert.Matches(@"provider/resources\.go:\d+", c.Source));
    }

    /// <summary>A file and line in the provider's source: <c>something.go:12</c>, <c>something.go:12-15</c>.</summary>
    private const string GoLine = @"\.go:\d+";

    [Fact]
    public void Every_entry_is_complete_replacement_write_only_and_disruptive_rules_cite_a_source_line_and_permissions_are_named()
    {
        Assert.All(ProviderContractTable.All, c =>
        {
            Assert.All(c.ForcesReplacement, r => Assert.Matches(GoLine, r.Source));
            Assert.All(c.WriteOnly, w => { Assert.Matches(GoLine, w.Source); Assert.NotEmpty(w.OnUpdate); });
            Assert.All(c.Disruptive, d => { Assert.Matches(GoLine, d.Source); Assert.NotEmpty(d.Effect); });
            Assert.All(c.NameInputs, n => Assert.Matches(GoLine, n.Source));
            Assert.NotEmpty(c.Permissions.Source);
            if (c.TypeToken.StartsWith("command:", StringComparison.Ordinal)) return;
            Assert.NotEmpty(c.Permissions.Create);
            Assert.NotEmpty(c.Permissions.Delete);
            // No update only where every input forces replacement (there is nothing to update).
            if (c.Permissions.Update.Count == 0) Assert.Empty(c.InPlace);
            var shape = c.TypeToken.StartsWith("azure:", StringComparison.Ordinal)
                ? @"^Microsoft\.[A-Za-z]+(/[A-Za-z*]+)+$"
                : @"^(Account|Zone) > [A-Za-z ]+ > (Edit|Read)$";
            Assert.All(c.Permissions.All, p => Assert.Matches(shape, p));
        });
    }

    [Theory]
    [MemberData(nameof(AllStacks))]
    public void Every_input_the_program_renders_is_read_as_forcing_replacement_or_updating_in_place(string stack)
    {
        foreach (var r in Render(stack).Resources)
        {
            var contract = ProviderContractTable.For(r.Args.TypeToken)!;
            var read = contract.ForcesReplacement.Select(f => f.Input.Split('.')[0]).Concat(contract.InPlace).ToHashSet();
            var unread = ValueTree.OfArgs(r.Args).Select(kv => kv.Key).Where(k => !read.Contains(k)).ToList();
            Assert.True(unread.Count == 0, $"{stack}: {r.Name} ({r.Args.TypeToken}) renders {string.Join(", ", unread)}, which its contract does not read as replacing or in place");
        }
    }

    [Fact]
    public void Every_rule_names_an_input_of_the_programs_own_types()
    {
        var inputs = typeof(ResourceArgs).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ResourceArgs)) && !t.IsAbstract)
            .Select(t => (Token: ((ResourceArgs)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)).TypeToken, Type: t))
            .GroupBy(x => x.Token)
            .ToDictionary(g => g.Key, g => g.SelectMany(x => x.Type.GetProperties()).Select(p => ValueTree.CamelCase(p.Name)).ToHashSet());
        Assert.All(ProviderContractTable.All, c =>
        {
            Assert.True(inputs.ContainsKey(c.TypeToken), $"{c.TypeToken} has an entry but the program has no such type");
            var named = c.ForcesReplacement.Select(f => f.Input).Concat(c.InPlace).Concat(c.WriteOnly.Select(w => w.Input))
                .Concat(c.Disruptive.Select(d => d.Input)).Concat(c.NameInputs.Select(n => n.Input));
            // `name` may force replacement on a type whose name the provider sets (auto-named).
            Assert.All(named.Select(n => n.Split('.')[0]).Where(n => n != "name"), n => Assert.Contains(n, inputs[c.TypeToken]));
        });
    }

    /// <summary>
    /// Stack names the config accepts (letters, digits, `-`, `_`, `.`; no length limit of its own), with the names
    /// derived from them left to their defaults or set; each renders only names the providers accept, or is refused.
    /// </summary>
    public static TheoryData<string, bool> StackNames() => new()
    {
        { "a", false }, { "dev", false }, { "prod", false }, { "Staging_2.eu", false }, { "Staging_2.eu", true },
        { new string('s', 52), false }, { new string('s', 53), false }, { new string('s', 53), true },
        { new string('s', 79), true }, { new string('s', 80), true }, { new string('s', 120), true },
    };

    [Theory]
    [MemberData(nameof(StackNames))]
    public void Every_name_the_program_sets_fits_the_providers_validation_for_any_stack_name_the_config_accepts(string stack, bool setDerivedNames)
    {
        var extra = setDerivedNames ? "  voice-edge:workerName: w1\n  voice-edge:relayDnsLabel: relay-label\n" : "";
        var yaml = PlanFixtures.Yaml("free").Replace("  voice-edge:relaySigningKey:", extra + "  voice-edge:relaySigningKey:", StringComparison.Ordinal);
        var config = StackConfigSources.FromYaml(stack, StackConfigSources.StackFileName(stack), yaml);
        if (Stacks.Problems(config, []).Count > 0) return; // refused before anything is emitted
        var program = StackProgramBuilder.Build(SettingsReader.Read(config, []), new FixedArtifacts());
        Assert.Empty(AutoNameCheck.Problems(program));
        Assert.Empty(AutoNameCheck.NameProblems(program));
    }

    [Fact]
    public void A_stack_name_too_long_for_its_resource_group_or_its_default_names_is_refused_with_the_reason()
    {
        var extra = "  voice-edge:workerName: w1\n  voice-edge:relayDnsLabel: relay-label\n";
        var yaml = PlanFixtures.Yaml("free").Replace("  voice-edge:relaySigningKey:", extra + "  voice-edge:relaySigningKey:", StringComparison.Ordinal);
        var stack = new string('s', 80);
        var problems = Stacks.Problems(StackConfigSources.FromYaml(stack, StackConfigSources.StackFileName(stack), yaml), []);
        Assert.Contains(problems, p => p.Problem.Contains("voice-edge-" + stack, StringComparison.Ordinal) && p.Problem.Contains("90", StringComparison.Ordinal));

        var defaults = Stacks.Problems(PlanFixtures.Config("free") with { StackName = "Staging_2.eu" }, []);
        Assert.Contains(defaults, p => p.Key == ConfigKeys.DnsLabel.Qualified && p.Problem.Contains("voice-edge-Staging_2.eu", StringComparison.Ordinal));
    }

    [Fact]
    public void The_name_check_catches_a_name_the_provider_refuses()
    {
        var program = Stacks.Program("dev");
        var rg = program["resourceGroup"];
        var args = (VoiceEdge.Infra.Providers.ResourceGroup)rg.Args;
        var bad = program with { Resources = [.. program.Resources.Select(r => r.Name == rg.Name ? rg with { Args = args with { Name = new string('g', 91) } } : r)] };
        Assert.Contains(AutoNameCheck.NameProblems(bad), p => p.Contains("resourceGroup", StringComparison.Ordinal) && p.Contains("validate.go", StringComparison.Ordinal));
    }

    [Fact]
    public void The_deploy_identitys_permissions_come_from_the_table_and_include_the_two_contributor_lacks()
    {
        var needed = DeployPermissionsNeeded.For(Stacks.Program("dev"));
        Assert.Contains("Microsoft.Authorization/roleAssignments/write", needed.Keys);
        Assert.Contains("Microsoft.Resources/subscriptions/resourceGroups/write", needed.Keys);
        Assert.Contains("relayPackageReader", needed["Microsoft.Authorization/roleAssignments/write"]);
        Assert.DoesNotContain(needed.Keys, k => k.Contains(" > ", StringComparison.Ordinal)); // Azure only
    }

    [Theory]
    [MemberData(nameof(AllStacks))]
    public void Preflight_probes_every_cloudflare_token_permission_the_table_says_the_stack_needs(string stack)
    {
        var program = Render(stack);
        var settings = stack.Split(':') switch
        {
            ["committed", var name] => Stacks.Settings(name),
            ["graph", var name] => SettingsReader.Read(GraphFixtures.Config(name), [.. new[] { GraphFixtures.Owner, GraphFixtures.Sharer, GraphFixtures.Preview }.Where(s => s != name).Select(s => GraphFixtures.Config(s))]),
            ["plan", var plan] => PlanFixtures.Settings(plan),
            _ => throw new ArgumentException(stack),
        };
        var probed = VoiceEdge.Infra.Preflight.CloudflareScopes.For(settings).Select(s => s.Permission).ToHashSet();
        if (settings.Zone is not null) probed.Add("Zone > Zone WAF > Edit"); // the http_ratelimit entrypoint row reads it
        var needed = program.Resources.Where(r => r.Args.Package == "cloudflare")
            .SelectMany(r => ProviderContractTable.For(r.Args.TypeToken)!.Permissions.All).ToHashSet();
        Assert.Subset(probed, needed);
    }

    private sealed record UnknownArgs : ResourceArgs
    {
        public override string TypeToken => "azure:new/thing:Thing";
    }
}
