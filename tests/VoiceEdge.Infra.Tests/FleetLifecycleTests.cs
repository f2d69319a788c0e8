using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.Support.FleetFixture;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// docs/operations.md "Add a relay" and "Drain and remove a relay", as `pulumi up` would see them: the program before
/// and after each stack edit, compared resource by resource (logical name, type, every input and option). Pulumi
/// replaces or updates only what differs, so "untouched" here means the existing relay's VM, disk, NIC, IP, record
/// and alerts are not in the diff at all.
/// </summary>
public class FleetLifecycleTests
{
    /// <summary>Every resource a fleet declares per relay, by its base name (the relay's are <c>&lt;base&gt;-&lt;relay&gt;</c>).</summary>
    private static readonly string[] PerRelay =
    [
        "network", "subnet", "relayNsg", "relayIp", "relayNic", "relayNicNsg", "relayVm", "relayDns", "relayPackageReader", "relayInstall",
        "relayEndpointCheck", "relayCpuAlert", "relayAvailabilityAlert", "relayHealthTest", "relayHealthAlert", "relayMonitorAgent", "relayLogRuleLink", "relayHealthCheck",
    ];

    /// <summary>What each relay's VM is: a change to any of these would touch (update or replace) the relay's host.</summary>
    private static readonly string[] Host = ["network", "subnet", "relayNsg", "relayIp", "relayNic", "relayNicNsg", "relayVm", "relayDns"];

    private static Dictionary<string, string> Inputs(PulumiProgram p) => p.Resources.ToDictionary(r => r.Name, r => JsonSerializer.Serialize(new
    {
        r.Args.TypeToken,
        Args = ValueTree.OfArgs(r.Args),
        r.Options.Protect,
        r.Options.RetainOnDelete,
        DependsOn = r.Options.DependsOn.Select(d => d.Name),
        r.Options.IgnoreChanges,
        r.Options.Import,
    }));

    private sealed record Diff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed);

    private static Diff Compare(PulumiProgram before, PulumiProgram after)
    {
        var (a, b) = (Inputs(before), Inputs(after));
        return new(
            [.. b.Keys.Except(a.Keys).Order(StringComparer.Ordinal)],
            [.. a.Keys.Except(b.Keys).Order(StringComparer.Ordinal)],
            [.. a.Keys.Intersect(b.Keys).Where(k => a[k] != b[k]).Order(StringComparer.Ordinal)]);
    }

    /// <summary>The logical names of a fleet relay's resources (its run command's is short: RelaySite.InstallName).</summary>
    private static string[] Of(string relay, IEnumerable<string> bases) =>
        [.. bases.Select(b => b == "relayInstall" ? $"inst-{relay}" : $"{b}-{relay}").Order(StringComparer.Ordinal)];

    private static IEnumerable<string> EnvLines(PulumiProgram p, string relay) =>
        ((RunCommand)p[$"inst-{relay}"].Args).Parameters
            .Where(x => x.Name.StartsWith(RelayEnvironment.ParameterPrefix, StringComparison.Ordinal)).Select(x => x.Value);

    private static JsonArray WorkerRelays(PulumiProgram p) =>
        JsonNode.Parse(((WorkersScript)p["worker"].Args).Bindings.Single(b => b.Name == "RELAYS").Text)!.AsArray();

    [Fact]
    public void Adding_a_relay_creates_only_its_own_resources_and_leaves_the_first_relays_host_untouched()
    {
        var before = WithRelays(Relay("weu", "westeurope"));
        var after = WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus"));
        var diff = Compare(before, after);

        Assert.Equal(Of("eus", PerRelay), diff.Added);
        Assert.Empty(diff.Removed);
        // The Worker learns the new relay (RELAYS); weu's install re-runs (its Relay__Fleet lines list eus now: a new
        // run command name, a hand-over on the VM, no call dropped); the Pro plan's health-check policy lists eus's check.
        Assert.Equal(["healthCheckAlerts", "inst-weu", "worker"], diff.Changed);
        foreach (var name in Of("weu", Host)) Assert.Equal(Inputs(before)[name], Inputs(after)[name]);

        // weu's environment only grows by eus's fleet entry.
        var (was, now) = (EnvLines(before, "weu").ToList(), EnvLines(after, "weu").ToList());
        Assert.Equal(was, now.Take(was.Count));
        Assert.All(now.Skip(was.Count), line => Assert.StartsWith("Relay__Fleet__1__", line, StringComparison.Ordinal));
        Assert.Equal(["weu", "eus"], WorkerRelays(after).Select(r => (string)r!["name"]!));
    }

    [Fact]
    public void Draining_a_relay_takes_it_out_of_the_choice_without_touching_any_host()
    {
        var serving = WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus"));
        var draining = WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus", draining: true));
        var diff = Compare(serving, draining);

        Assert.Empty(diff.Added);
        Assert.Empty(diff.Removed);
        Assert.DoesNotContain(diff.Changed, name => Of("weu", Host).Concat(Of("eus", Host)).Contains(name));
        Assert.Contains("worker", diff.Changed);
        Assert.Contains("inst-eus", diff.Changed);

        // The Worker's entry says so, the relay itself is told, and its health test checks liveness (its /health is 503 while draining).
        var eus = WorkerRelays(draining).Single(r => (string)r!["name"]! == "eus")!;
        Assert.True((bool)eus["draining"]!);
        Assert.False((bool)WorkerRelays(draining).Single(r => (string)r!["name"]! == "weu")!["draining"]!);
        Assert.Contains("Relay__Draining=true", EnvLines(draining, "eus"));
        Assert.DoesNotContain("Relay__Draining=true", EnvLines(draining, "weu"));
        Assert.Contains("Relay__Fleet__1__Draining=true", EnvLines(draining, "weu"));
        Assert.Equal("https://ws-eus.example.io/health/live", ((StandardWebTest)draining["relayHealthTest-eus"].Args).Request.Url);
        Assert.Equal("https://ws-weu.example.io", ((WorkersScript)draining["worker"].Args).Bindings.Single(b => b.Name == "RELAY_URL").Text);
        // The phone number's fallback webhook no longer names a draining relay.
        Assert.DoesNotContain(draining.Outputs, o => o.Name == "twilioVoiceFallbackUrl");
        Assert.Contains(serving.Outputs, o => o.Name == "twilioVoiceFallbackUrl" && o.Value == "https://ws-eus.example.io/twilio/voice");
    }

    [Fact]
    public void Removing_a_drained_relay_destroys_only_its_own_resources()
    {
        var draining = WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus", draining: true));
        var removed = WithRelays(Relay("weu", "westeurope"));
        var diff = Compare(draining, removed);

        Assert.Empty(diff.Added);
        Assert.Equal(Of("eus", PerRelay), diff.Removed);
        Assert.Equal(["healthCheckAlerts", "inst-weu", "worker"], diff.Changed);
        Assert.Equal(["weu"], WorkerRelays(removed).Select(r => (string)r!["name"]!));
    }

    [Fact]
    public void Removing_the_first_relay_keeps_the_shared_resources_where_they_are()
    {
        // The resource group, package storage and workspace live in azureLocation, not in the first relay's region,
        // so draining and removing weu (the first) moves nothing and touches eus's host not at all.
        var draining = WithRelays(Relay("weu", "westeurope", draining: true), Relay("eus", "eastus"));
        var removed = WithRelays(Relay("eus", "eastus"));
        var diff = Compare(draining, removed);

        Assert.Empty(diff.Added);
        Assert.Equal(Of("weu", PerRelay), diff.Removed);
        Assert.DoesNotContain(diff.Changed, name => Of("eus", Host).Contains(name));
        Assert.DoesNotContain("resourceGroup", diff.Changed);
        Assert.DoesNotContain("relayStorage", diff.Changed);
        Assert.DoesNotContain("monitoringLogs", diff.Changed);
        Assert.Equal("westeurope", ((ResourceGroup)removed["resourceGroup"].Args).Location);
        Assert.Equal("eastus", ((LinuxVirtualMachine)removed["relayVm-eus"].Args).Location);
        Assert.Equal("https://ws-eus.example.io/twilio/voice", removed.Outputs.Single(o => o.Name == "twilioVoiceWebhookUrl").Value);
    }

    [Fact]
    public void A_relay_moved_to_another_region_is_a_new_relay_under_a_new_name()
    {
        // The documented way to move a relay: add one under a new name, drain the old, remove it. Renaming in place
        // would replace every resource of it at once, so the name is the relay's identity and a change of it shows up
        // as exactly that: one relay's resources gone, another's new.
        var diff = Compare(WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus")), WithRelays(Relay("weu", "westeurope"), Relay("wus", "westus2")));
        Assert.Equal(Of("wus", PerRelay), diff.Added);
        Assert.Equal(Of("eus", PerRelay), diff.Removed);
    }

    /// <summary>
    /// The same edits through the provider contracts (ProgramDiff, as the day-2 matrix classifies changes): what
    /// `pulumi up` creates, replaces, updates and deletes. Adding a relay replaces only the other relays' run commands
    /// (their name carries the fleet lines: a re-install with a hand-over) and updates the Worker in place; removing the
    /// first relay deletes only its own resources and replaces nothing shared.
    /// </summary>
    [Fact]
    public void The_provider_contracts_classify_adding_and_removing_as_creates_and_deletes_of_that_relay_only()
    {
        static string[] Names(IEnumerable<Contracts.ResourceChange> changes, ChangeKind kind) =>
            [.. changes.Where(c => c.Kind == kind).Select(c => c.Name).Order(StringComparer.Ordinal)];

        var add = ProgramDiff.Between(WithRelays(Relay("weu", "westeurope")), WithRelays(Relay("weu", "westeurope"), Relay("eus", "eastus")));
        Assert.Equal(Of("eus", PerRelay), Names(add, ChangeKind.Create));
        Assert.Equal(["inst-weu"], Names(add, ChangeKind.Replace));
        Assert.Equal(["healthCheckAlerts", "worker"], Names(add, ChangeKind.Update));
        Assert.Empty(Names(add, ChangeKind.Delete));
        Assert.DoesNotContain(add, c => c.Name == "relayVm-weu");

        var remove = ProgramDiff.Between(WithRelays(Relay("weu", "westeurope", draining: true), Relay("eus", "eastus")), WithRelays(Relay("eus", "eastus")));
        Assert.Equal(Of("weu", PerRelay), Names(remove, ChangeKind.Delete));
        Assert.Empty(Names(remove, ChangeKind.Create));
        Assert.Equal(["inst-eus"], Names(remove, ChangeKind.Replace));
        Assert.DoesNotContain(remove, c => c.Name is "resourceGroup" or "relayStorage" or "monitoringLogs" or "relayVm-eus");
    }
}
