using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// Every stack the program can render is held to the providers' own naming rules (<see cref="ProviderContractTable"/>,
/// read from provider source): auto-names fit their limits, and every emitted type has an entry.
/// </summary>
public class ProviderContractTests
{
    public static TheoryData<string> AllStacks() =>
    [
        "committed:dev", "committed:prod", "committed:pr-123", "committed:pr-9999999",
        .. new[] { GraphFixtures.Owner, GraphFixtures.Sharer, GraphFixtures.Preview }.Select(s => $"graph:{s}"),
        .. PlanFixtures.Plans.Select(p => $"plan:{p}"),
        "fixture:fleet",
    ];

    private static PulumiProgram Render(string stack) => stack.Split(':') switch
    {
        ["committed", var name] => Stacks.Program(name),
        ["graph", var name] => GraphFixtures.Program(name),
        ["plan", var plan] => PlanFixtures.Program(plan),
        ["fixture", FleetFixture.Stack] => FleetFixture.Program(),
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

    private sealed record UnknownArgs : ResourceArgs
    {
        public override string TypeToken => "azure:new/thing:Thing";
    }
}
