using System.Text.RegularExpressions;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// `plan --format mermaid`: a golden file per committed stack (refresh with `UPDATE_GOLDENS=1 dotnet test
/// tests/VoiceEdge.Infra.Tests`), every resource drawn once in its plan group, the call path drawn, and the PR
/// marks. That each diagram parses and renders is checked in a real Chromium by local/test/diagrams.test.mjs.
/// </summary>
public class MermaidTests
{
    public static string Diagram(string stack) => MermaidWriter.Write(Stacks.Settings(stack), Stacks.Program(stack));

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("pr-123")]
    public void Diagram_matches_the_reviewed_golden_file(string stack)
    {
        var actual = Diagram(stack);
        var path = Path.Combine(Repo.GoldensDir, $"{stack}.mmd");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing: run `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests` and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    /// <summary>The PR comment's marks, kept as a golden too so the Chromium test renders the marked form.</summary>
    [Fact]
    public void Marked_diagram_matches_the_reviewed_golden_file()
    {
        var actual = MermaidWriter.Write(Stacks.Settings("dev"), Stacks.Program("dev"), SampleChanges);
        var path = Path.Combine(Repo.GoldensDir, "dev.marked.mmd");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing: run `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests` and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static readonly Dictionary<string, ResourceChange> SampleChanges = new()
    {
        ["worker"] = ResourceChange.Changed,
        ["relayErrorAlert"] = ResourceChange.Added,
        ["oldAlert"] = ResourceChange.Removed,
    };

    [Fact]
    public void Every_committed_stack_has_a_diagram_golden_file()
    {
        foreach (var stack in Stacks.Catalog.CommittedStackNames())
            Assert.True(File.Exists(Path.Combine(Repo.GoldensDir, $"{stack}.mmd")), $"no diagram golden file for stack {stack}");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("pr-123")]
    public void Every_resource_is_one_labelled_node_inside_a_subgraph(string stack)
    {
        var diagram = Diagram(stack);
        var program = Stacks.Program(stack);
        var nodes = Regex.Matches(diagram, @"(?m)^    r_(\w+)\[""(\w+)<br/>").Select(m => (Id: m.Groups[1].Value, Label: m.Groups[2].Value)).ToList();
        Assert.Equal(program.Resources.Select(r => r.Name).Order(), nodes.Select(n => n.Label).Order());
        Assert.All(nodes, n => Assert.Equal(n.Id, n.Label));
        Assert.Equal(Regex.Count(diagram, @"(?m)^  subgraph "), Regex.Count(diagram, @"(?m)^  end$"));
    }

    [Fact]
    public void A_full_stack_draws_the_call_path_and_twilio_reaching_the_ws_record()
    {
        var diagram = Diagram("prod");
        string[] path =
        [
            "x_browser -->|\"wss /voice/ws\"| x_cloudflare",
            "x_cloudflare -->|\"route\"| r_workerRoute --> r_worker",
            "r_worker -->|\"https/wss to relay\"| r_relayDns",
            "x_twilio -->|\"wss /twilio/stream\"| r_relayDns",
            "r_relayDns -->|\"CNAME\"| r_relayIp",
            "r_relayIp --> r_relayVm",
            "r_relayVm -->|\"Caddy :443\"| x_relay",
            "x_relay -->|\"voice upstream\"| x_backend",
        ];
        foreach (var edge in path) Assert.Contains($"\n  {edge}\n", diagram);
        Assert.Contains("subgraph zone[", diagram);
        Assert.DoesNotContain("subgraph zone[", Diagram("dev"));
    }

    [Fact]
    public void A_preview_stack_draws_the_worker_bound_to_the_existing_relay_and_no_twilio()
    {
        var diagram = Diagram("pr-123");
        Assert.Contains("r_worker -->|\"RELAY_URL\"| x_relay", diagram);
        Assert.Contains("subgraph preview[", diagram);
        Assert.DoesNotContain("x_twilio", diagram);
        Assert.DoesNotContain("relayDns", diagram);
    }

    [Fact]
    public void Marks_colour_added_and_changed_nodes_and_draw_removed_ones_apart()
    {
        var diagram = MermaidWriter.Write(Stacks.Settings("dev"), Stacks.Program("dev"), SampleChanges);
        Assert.Contains("\n  class r_relayErrorAlert added\n", diagram);
        Assert.Contains("\n  class r_worker changed\n", diagram);
        Assert.Contains("\n  class r_oldAlert removed\n", diagram);
        Assert.Contains("subgraph gone[\"Removed by this change\"]\n    r_oldAlert[\"oldAlert\"]\n  end\n", diagram);
        Assert.DoesNotContain("classDef added", Diagram("dev"));
    }

    [Fact]
    public void No_secret_setting_reaches_the_diagram()
    {
        foreach (var stack in new[] { "dev", "prod", "pr-123" })
        {
            var diagram = Diagram(stack);
            foreach (var secret in Stacks.Program(stack).Config) Assert.DoesNotContain($"${{{secret.Key}}}", diagram);
        }
    }
}
