using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The rendered programs of the committed stacks (and a preview stack), kept as reviewed files. To refresh
/// after an intended change: `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests`, then review the diff.
/// </summary>
public class GoldenTests
{
    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("pr-123")]
    public void Rendered_program_matches_the_reviewed_golden_file(string stack)
    {
        var actual = Stacks.Yaml(stack);
        var path = Path.Combine(Repo.GoldensDir, $"{stack}.yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1")
        {
            Directory.CreateDirectory(Repo.GoldensDir);
            File.WriteAllText(path, actual);
        }
        Assert.True(File.Exists(path), $"{path} is missing: run `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests` and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    /// <summary>One program per Cloudflare plan, from the test-only fixture stacks (Support/PlanFixtures.cs).</summary>
    [Theory]
    [InlineData("free")]
    [InlineData("pro")]
    [InlineData("business")]
    [InlineData("enterprise")]
    public void Rendered_plan_fixture_matches_the_reviewed_golden_file(string plan)
    {
        var actual = PlanFixtures.RenderedYaml(plan);
        var path = Path.Combine(Repo.GoldensDir, $"{PlanFixtures.StackName(plan)}.yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1")
            File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing: run `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests` and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Fact]
    public void Every_committed_stack_has_a_golden_file()
    {
        foreach (var stack in Stacks.Catalog.CommittedStackNames())
            Assert.True(File.Exists(Path.Combine(Repo.GoldensDir, $"{stack}.yaml")), $"no golden file for stack {stack}");
    }
}
