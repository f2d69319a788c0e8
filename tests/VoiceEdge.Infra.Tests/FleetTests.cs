using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.Support.FleetFixture;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The fleet fixture (stacks/fixtures/Pulumi.fleet.yaml, relays weu in westeurope and eus in eastus) rendered: its
/// reviewed program and diagram, one VM with its own record per relay, the Worker's RELAYS and each relay's fleet
/// lines (FLEET-CONTRACT), the plan and the outputs naming every relay. Refresh the goldens with
/// `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests --filter Fleet`.
/// </summary>
public class FleetTests
{
    private static void Golden(string file, string actual)
    {
        var path = Path.Combine(Repo.GoldensDir, file);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing: run `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests` and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Fact]
    public void Rendered_program_matches_the_reviewed_golden_file() => Golden("fleet.yaml", YamlProgramWriter.Write(Program()));

    [Fact]
    public void Diagram_matches_the_reviewed_golden_file() => Golden("fleet.mmd", MermaidWriter.Write(Read(), Program()));

    [Fact]
    public void Each_relay_gets_its_own_vm_in_its_region_with_its_own_dns_only_record()
    {
        var p = Program();
        foreach (var (name, region) in new[] { ("weu", "westeurope"), ("eus", "eastus") })
        {
            var vm = (LinuxVirtualMachine)p[$"relayVm-{name}"].Args;
            Assert.Equal(region, vm.Location);
            Assert.Equal("Standard_B2s", vm.Size);
            Assert.Equal(region, ((VirtualNetwork)p[$"network-{name}"].Args).Location);
            Assert.Equal(region, ((PublicIp)p[$"relayIp-{name}"].Args).Location);
            Assert.Equal($"voice-edge-fleet-{name}", ((PublicIp)p[$"relayIp-{name}"].Args).DomainNameLabel);
            Assert.Equal(region, ((RunCommand)p[$"inst-{name}"].Args).Location);
            var dns = (DnsRecord)p[$"relayDns-{name}"].Args;
            Assert.Equal($"ws-{name}.example.io", dns.Name);
            Assert.False(dns.Proxied);
            Assert.Equal($"${{relayIp-{name}.fqdn}}", dns.Content);
            Assert.Contains($"${{relayVm-{name}.id}}", ((RunCommand)p[$"inst-{name}"].Args).VirtualMachineId);
            // Its certificate: Caddy on the VM gets one for the host the run command names (RELAY_WS_HOST).
            Assert.Contains(((RunCommand)p[$"inst-{name}"].Args).Parameters, x => x.Name == "RELAY_WS_HOST" && x.Value == $"ws-{name}.example.io");
            Assert.Contains(((RunCommand)p[$"inst-{name}"].Args).Parameters, x => x.Name == "RELAY_PUBLIC_BASE_URL" && x.Value == $"wss://ws-{name}.example.io");
            Assert.Contains(((RunCommand)p[$"inst-{name}"].Args).Parameters, x => x.Name == "RELAY_TWILIO_UPSTREAM" && x.Value == $"wss://gpu-{(name == "weu" ? "eu" : "us")}.example.io:8998/twilio");
        }
        // Shared, once: the resource group and the package, in the home region; no single-relay names.
        Assert.Equal("westeurope", ((ResourceGroup)p["resourceGroup"].Args).Location);
        Assert.Single(p.All<StorageAccount>());
        Assert.Single(p.All<LinuxVirtualMachine>(), vm => vm.Location == "eastus");
        Assert.DoesNotContain(p.Resources, r => r.Name is "relayVm" or "relayDns" or "relayInstall");
        Assert.Equal(2, p.All<LinuxVirtualMachine>().Count());
    }

    [Fact]
    public void The_worker_gets_RELAYS_with_each_relays_url_region_and_coordinates()
    {
        var bindings = ((WorkersScript)Program()["worker"].Args).Bindings;
        Assert.Equal("https://ws-weu.example.io", bindings.Single(b => b.Name == "RELAY_URL").Text);
        var relays = JsonNode.Parse(bindings.Single(b => b.Name == "RELAYS" && b.Type == "plain_text").Text)!.AsArray();
        Assert.Equal(2, relays.Count);
        Assert.Equal("weu", (string)relays[0]!["name"]!);
        Assert.Equal("https://ws-weu.example.io", (string)relays[0]!["url"]!);
        Assert.Equal("westeurope", (string)relays[0]!["region"]!);
        Assert.Equal(52.3667, (double)relays[0]!["latitude"]!);
        Assert.Equal(4.9, (double)relays[0]!["longitude"]!);
        Assert.Equal("eus", (string)relays[1]!["name"]!);
        Assert.Equal(37.3719, (double)relays[1]!["latitude"]!);
        Assert.Equal(-79.8164, (double)relays[1]!["longitude"]!);
        Assert.False((bool)relays[1]!["draining"]!);
        Assert.Equal(["name", "url", "region", "latitude", "longitude", "draining"], relays[0]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Each_relay_gets_its_name_and_the_whole_fleet_as_environment_lines_the_deploy_scripts_take()
    {
        var runCommand = ScriptPattern("run-command.sh", @"\[\[ ""\$line"" =~ (?<p>\S+) \]\]");
        var install = ScriptPattern("install.sh", @"grep -E '(?<p>\^Relay__[^']+)'");
        var p = Program();
        foreach (var name in new[] { "weu", "eus" })
        {
            var lines = ((RunCommand)p[$"inst-{name}"].Args).Parameters
                .Where(x => x.Name.StartsWith(RelayEnvironment.ParameterPrefix, StringComparison.Ordinal)).Select(x => x.Value).ToList();
            Assert.Contains($"Relay__Name={name}", lines);
            Assert.Contains($"Relay__Backends__0__Url=wss://gpu-{(name == "weu" ? "eu" : "us")}.example.io:8998/api/chat", lines);
            Assert.DoesNotContain(lines, l => l.Contains("gpu-" + (name == "weu" ? "us" : "eu"), StringComparison.Ordinal));
            string[] fleet =
            [
                "Relay__Fleet__0__Name=weu", "Relay__Fleet__0__Url=https://ws-weu.example.io", "Relay__Fleet__0__Region=westeurope",
                "Relay__Fleet__0__Latitude=52.3667", "Relay__Fleet__0__Longitude=4.9",
                "Relay__Fleet__1__Name=eus", "Relay__Fleet__1__Url=https://ws-eus.example.io", "Relay__Fleet__1__Region=eastus",
                "Relay__Fleet__1__Latitude=37.3719", "Relay__Fleet__1__Longitude=-79.8164",
            ];
            Assert.Equal(fleet, lines.Where(l => l.StartsWith("Relay__Fleet__", StringComparison.Ordinal)));
            Assert.All(lines, l => Assert.Matches(runCommand, l));
            Assert.All(lines, l => Assert.Matches(install, l));
        }
    }

    [Fact]
    public void A_single_relay_stack_gets_no_fleet_binding_and_no_fleet_lines()
    {
        var p = Stacks.Program("prod");
        Assert.DoesNotContain(((WorkersScript)p["worker"].Args).Bindings, b => b.Name == "RELAYS");
        Assert.DoesNotContain(((RunCommand)p["relayInstall"].Args).Parameters, x => x.Value.StartsWith("Relay__Name=", StringComparison.Ordinal) || x.Value.StartsWith("Relay__Fleet__", StringComparison.Ordinal));
        Assert.False(Stacks.Settings("prod").IsFleet);
    }

    [Fact]
    public void Outputs_and_plan_name_every_relay()
    {
        var p = Program();
        foreach (var name in new[] { "weu", "eus" })
        {
            foreach (var output in new[] { "twilioUrl", "relayHealthUrl", "relayFqdn", "relayIp", "relayDeployReport" })
                Assert.Contains(p.Outputs, o => o.Name == $"{output}-{name}");
        }
        Assert.Equal("https://ws-weu.example.io/twilio/voice", p.Outputs.Single(o => o.Name == "twilioVoiceWebhookUrl").Value);
        Assert.Equal("https://ws-eus.example.io/twilio/voice", p.Outputs.Single(o => o.Name == "twilioVoiceFallbackUrl").Value);
        Assert.Equal("wss://ws-eus.example.io/twilio/stream", p.Outputs.Single(o => o.Name == "twilioUrl-eus").Value);
        Assert.Equal("${relayIp-eus.ipAddress}", p.Outputs.Single(o => o.Name == "relayIp-eus").Value);

        var plan = PlanWriter.Write(Read(), p);
        Assert.Contains("voice-edge plan for stack fleet (full, 2 relays; owns zone example.io)", plan);
        Assert.Contains("\nrelays (2; shared resources in westeurope)\n", plan);
        Assert.Contains("\n  weu  westeurope (52.3667, 4.9)  Standard_B2s  https://ws-weu.example.io  1 voice backend\n", plan);
        Assert.Contains("\n  eus  eastus (37.3719, -79.8164)  Standard_B2s  https://ws-eus.example.io  1 voice backend\n", plan);
        Assert.Contains("\n  + relayVm-eus  azure LinuxVirtualMachine", plan);
        Assert.Contains("\n  relayIp-weu: ${relayIp-weu.ipAddress}\n", plan);
    }

    [Fact]
    public void The_diagram_draws_every_relay_in_its_own_subgraph_with_its_own_path()
    {
        var diagram = MermaidWriter.Write(Read(), Program());
        Assert.Contains("subgraph host_weu[\"Relay weu · West Europe (Standard_B2s)\"]", diagram);
        Assert.Contains("subgraph host_eus[\"Relay eus · East US (Standard_B2s)\"]", diagram);
        foreach (var name in new[] { "weu", "eus" })
        {
            foreach (var edge in new[]
            {
                $"r_worker -->|\"RELAYS {name}\"| r_relayDns_{name}",
                $"x_twilio -->|\"wss /twilio/stream\"| r_relayDns_{name}",
                $"r_relayDns_{name} -->|\"CNAME\"| r_relayIp_{name}",
                $"r_relayIp_{name} --> r_relayVm_{name}",
                $"r_relayVm_{name} -->|\"Caddy :443\"| x_relay_{name}",
                $"x_relay_{name} -->|\"voice upstream\"| x_backend_{name}",
            })
                Assert.Contains($"\n  {edge}\n", diagram);
            // The relay's host resources sit in its subgraph.
            var host = Regex.Match(diagram, $"subgraph host_{name}\\[[^\\n]*\\n(?<body>(    [^\\n]*\\n)*)  end\\n").Groups["body"].Value;
            foreach (var resource in new[] { "network", "subnet", "relayNsg", "relayIp", "relayNic", "relayNicNsg", "relayVm" })
                Assert.Contains($"r_{resource}_{name}[", host);
        }
        // Every resource once.
        var nodes = Regex.Matches(diagram, @"(?m)^    r_(\w+)\[""([\w-]+)<br/>").Select(m => m.Groups[2].Value).ToList();
        Assert.Equal(Program().Resources.Select(r => r.Name).Order(), nodes.Order());
        Assert.Equal(Regex.Count(diagram, @"(?m)^  subgraph "), Regex.Count(diagram, @"(?m)^  end$"));
    }

    [Fact]
    public void A_draining_relay_is_drawn_apart()
    {
        var edits = (ConfigKeys.Relays.Qualified, (string?)List(Relay("weu", "westeurope"), Relay("eus", "eastus", draining: true)));
        var diagram = MermaidWriter.Write(Read(edits), Program(edits));
        Assert.Contains("\n  r_worker -.->|\"RELAYS eus (draining)\"| r_relayDns_eus\n", diagram);
        Assert.Contains("x_relay_eus([\"relay eus · East US · draining\"])", diagram);
    }

    [Fact]
    public void Twelve_character_relay_names_fit_every_providers_name_limit()
    {
        var edits = (ConfigKeys.Relays.Qualified, (string?)List(Relay("abcdefghijkl", "westeurope"), Relay("mnopqrstuvwx", "australiaeast")));
        var p = Program(edits);
        Assert.Empty(AutoNameCheck.Problems(p));
        Assert.Equal(RelayNameLimits.ContractMaxLength, RelayNameLimits.MaxLength);
    }

    /// <summary>RelayNameLimits.AutoNamed is what a rendered fleet leaves to auto-naming, per relay: no more, no less.</summary>
    [Fact]
    public void The_name_limit_table_lists_exactly_the_relays_auto_named_resources()
    {
        var p = Program();
        var autoNamed = p.Resources
            .Where(r => r.Name.EndsWith("-weu", StringComparison.Ordinal))
            .Where(r => ProviderContractTable.For(r.Args.TypeToken)?.Name is AutoNamed && AutoNameCheck.ExplicitName(r.Args) is null)
            .Select(r => (r.Name[..^"-weu".Length], r.Args.TypeToken))
            .Order();
        Assert.Equal(RelayNameLimits.AutoNamed.Order(), autoNamed);
    }

    [Fact]
    public void The_region_table_is_well_formed()
    {
        Assert.Equal(AzureRegions.All.Count, AzureRegions.All.Select(r => r.Name).Distinct().Count());
        Assert.All(AzureRegions.All, r =>
        {
            Assert.Matches("^[a-z][a-z0-9]{2,30}$", r.Name);
            Assert.InRange(r.Latitude, -90, 90);
            Assert.InRange(r.Longitude, -180, 180);
            Assert.Equal(r.Latitude, double.Parse(r.LatitudeText, CultureInfo.InvariantCulture));
        });
        // Spot checks against the cited recording (az account list-locations metadata).
        Assert.Equal((52.3667, 4.9), (AzureRegions.Find("westeurope")!.Latitude, AzureRegions.Find("westeurope")!.Longitude));
        Assert.Equal((-33.86, 151.2094), (AzureRegions.Find("australiaeast")!.Latitude, AzureRegions.Find("australiaeast")!.Longitude));
    }

    private static Regex ScriptPattern(string script, string finder)
    {
        var text = File.ReadAllText(Repo.Path("relay", "deploy", script));
        var m = Regex.Match(text, finder);
        Assert.True(m.Success, $"relay/deploy/{script}: the setting-name pattern was not found");
        return new Regex(m.Groups["p"].Value, RegexOptions.CultureInvariant);
    }
}
