using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static VoiceEdge.Workflows.Tests.Workflow;

namespace VoiceEdge.Workflows.Tests;

/// <summary>Each workflow runs the right commands for each stack, with the right gates.</summary>
public partial class WorkflowTests
{
    private static readonly string[] Files = ["deploy.yml", "pr.yml", "pr-comment.yml", "pr-close.yml", "drift.yml"];

    [Fact]
    public void Every_workflow_parses_declares_least_privilege_and_pins_actions_to_major_versions()
    {
        Assert.Equal(Files.Order(), Directory.EnumerateFiles(Repo.Path(".github", "workflows")).Select(Path.GetFileName).Order());
        foreach (var file in Files)
        {
            var wf = new Workflow(file);
            var permissions = Assert.IsType<YamlMappingNode>(wf.Root["permissions"]);
            Assert.DoesNotContain(permissions.Children.Values, v => v.ToString() == "write-all");
            foreach (var step in wf.Jobs.Values.SelectMany(Steps))
            {
                var uses = Scalar(step, "uses");
                if (uses is null || uses.StartsWith("./", StringComparison.Ordinal)) continue;
                Assert.Matches(PinnedAction(), uses);
            }
        }
    }

    [Fact]
    public void Deploy_runs_up_for_dev_on_push_and_prod_only_behind_its_environment()
    {
        var wf = new Workflow("deploy.yml");
        Assert.Equal("main", ((YamlSequenceNode)wf.On["push"]["branches"]).Single().ToString());
        Assert.Equal("published", ((YamlSequenceNode)wf.On["release"]["types"]).Single().ToString());
        var environments = Repo.Environments();
        foreach (var (stack, (deploy, _)) in environments)
        {
            var job = wf.Jobs[stack];
            Assert.Equal(stack, Scalar(job, "environment"));
            Assert.Equal($"pulumi-{stack}", Scalar(job, "concurrency", "group"));
            Assert.Equal("false", Scalar(job, "concurrency", "cancel-in-progress"));
            var up = Assert.Single(PulumiSteps(job));
            Assert.Equal(("up", stack), (Scalar(up, "with", "command"), Scalar(up, "with", "stack-name")));
            Assert.Contains(Runs(job), r => r.Contains($"pulumi stack output --json --stack {stack}", StringComparison.Ordinal) && r.Contains("--project tests/smoke", StringComparison.Ordinal));
            Assert.Contains("test", Needs(job));
            if (deploy == "approval") Assert.Contains("dev", Needs(job));
        }
        Assert.Equal("approval", environments["prod"].Deploy);
        Assert.Equal("push", environments["dev"].Deploy);
        Assert.Contains(Runs(wf.Jobs["test"]), r => r == "bash .ci/run");
    }

    [Fact]
    public void Pull_requests_get_tests_the_offline_diff_for_everyone_and_previews_only_from_this_repository()
    {
        var wf = new Workflow("pr.yml");
        Assert.True(wf.On.Children.ContainsKey("pull_request"));
        Assert.False(wf.On.Children.ContainsKey("pull_request_target"), "pull_request_target would hand secrets to fork code");

        var diff = wf.Jobs["rendered-diff"];
        Assert.Null(Scalar(diff, "if"));
        Assert.Contains(Runs(diff), r => r.StartsWith("bash .github/scripts/render-diff.sh", StringComparison.Ordinal));
        var upload = Steps(diff).Single(s => Scalar(s, "uses")?.StartsWith("actions/upload-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal("pr-comment-rendered-diff", Scalar(upload, "with", "name"));
        Assert.Contains("pr-number.txt", Scalar(upload, "with", "path"));
        foreach (var forkJob in new[] { "test", "rendered-diff" })
            Assert.DoesNotContain("secrets.", new SerializerText(wf.Jobs[forkJob]).Text);

        const string SameRepo = "github.event.pull_request.head.repo.full_name == github.repository";
        var preview = wf.Jobs["preview"];
        Assert.Equal(SameRepo, Scalar(preview, "if"));
        var stacks = ((YamlSequenceNode)preview["strategy"]["matrix"]["stack"]).Select(n => n.ToString()).Order();
        Assert.Equal(Repo.Environments().Keys.Order(), stacks);
        var previewStep = Assert.Single(PulumiSteps(preview));
        Assert.Equal(("preview", "${{ matrix.stack }}", "true"),
            (Scalar(previewStep, "with", "command"), Scalar(previewStep, "with", "stack-name"), Scalar(previewStep, "with", "diff")));
        Assert.Contains(Steps(preview), s => Scalar(s, "with", "name") == "pr-comment-preview-${{ matrix.stack }}");

        var prStack = wf.Jobs["preview-stack"];
        Assert.Equal(SameRepo, Scalar(prStack, "if"));
        Assert.Contains(Runs(prStack), r => r == "bash .github/scripts/init-preview-stack.sh \"$STACK\"");
        var up = Assert.Single(PulumiSteps(prStack));
        Assert.Equal(("up", "pr-${{ github.event.pull_request.number }}"), (Scalar(up, "with", "command"), Scalar(up, "with", "stack-name")));
        Assert.Contains(Steps(prStack), s => Scalar(s, "with", "header") == "voice-edge-preview-stack");
    }

    [Fact]
    public void One_pr_comment_is_posted_from_the_artifacts_even_for_forks_without_running_their_code()
    {
        var wf = new Workflow("pr-comment.yml");
        var trigger = (YamlMappingNode)wf.On["workflow_run"];
        Assert.Equal(Scalar(new Workflow("pr.yml").Root, "name"), ((YamlSequenceNode)trigger["workflows"]).Single().ToString());
        Assert.Equal("completed", ((YamlSequenceNode)trigger["types"]).Single().ToString());
        var job = wf.Jobs["comment"];
        Assert.DoesNotContain(Steps(job), s => Scalar(s, "uses")?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true);
        var download = Steps(job).Single(s => Scalar(s, "uses")?.StartsWith("actions/download-artifact@", StringComparison.Ordinal) == true);
        Assert.Equal(("pr-comment-*", "${{ github.event.workflow_run.id }}"), (Scalar(download, "with", "pattern"), Scalar(download, "with", "run-id")));
        var comment = Steps(job).Single(s => Scalar(s, "uses")?.StartsWith("marocchino/sticky-pull-request-comment@", StringComparison.Ordinal) == true);
        Assert.Equal(("voice-edge-pr", "${{ steps.assemble.outputs.number }}", "comment.md"),
            (Scalar(comment, "with", "header"), Scalar(comment, "with", "number"), Scalar(comment, "with", "path")));
        Assert.Equal("write", Scalar(wf.Root, "permissions", "pull-requests"));
    }

    [Fact]
    public void Closing_a_pull_request_destroys_and_removes_its_stack()
    {
        var wf = new Workflow("pr-close.yml");
        Assert.Equal("closed", ((YamlSequenceNode)wf.On["pull_request"]["types"]).Single().ToString());
        var job = wf.Jobs["destroy-preview"];
        var destroy = Assert.Single(PulumiSteps(job));
        Assert.Equal(("destroy", "pr-${{ github.event.pull_request.number }}", "true"),
            (Scalar(destroy, "with", "command"), Scalar(destroy, "with", "stack-name"), Scalar(destroy, "with", "remove")));
    }

    [Fact]
    public void Drift_checks_each_stack_on_a_schedule_and_on_demand_and_files_issues()
    {
        var wf = new Workflow("drift.yml");
        Assert.True(wf.On.Children.ContainsKey("schedule"));
        Assert.True(wf.On.Children.ContainsKey("workflow_dispatch"));
        Assert.Contains(Runs(wf.Jobs["stacks"]), r => r.Contains("python3 .github/scripts/drift-stacks.py", StringComparison.Ordinal));
        var drift = wf.Jobs["drift"];
        Assert.Equal("pulumi-${{ matrix.stack }}", Scalar(drift, "concurrency", "group"));
        Assert.Contains(Runs(drift), r => r == "bash .github/scripts/drift-check.sh \"${{ matrix.stack }}\"");
        var issue = Steps(drift).Single(s => Scalar(s, "uses")?.StartsWith("actions/github-script@", StringComparison.Ordinal) == true);
        Assert.Contains("drift-issue.js", Scalar(issue, "with", "script"));
        Assert.Equal("write", Scalar(wf.Root, "permissions", "issues"));
    }

    [Fact]
    public void The_drift_stack_list_is_read_from_environments_yaml()
    {
        var (exit, stdout, stderr) = Shell.Run("python3", ".github/scripts/drift-stacks.py");
        Assert.True(exit == 0, stderr);
        var expected = Repo.Environments().Where(e => e.Value.Drift).Select(e => $"\"{e.Key}\"");
        Assert.Equal($"[{string.Join(", ", expected)}]", stdout.Trim());
    }

    private static IEnumerable<string> Needs(YamlMappingNode job) => job["needs"] switch
    {
        YamlSequenceNode s => s.Select(n => n.ToString()),
        var n => [n.ToString()],
    };

    [GeneratedRegex(@"^[A-Za-z0-9-]+/[A-Za-z0-9._/-]+@v\d+$")]
    private static partial Regex PinnedAction();

    /// <summary>A job's text, to check that no secret reference appears anywhere in it.</summary>
    private sealed class SerializerText(YamlNode node)
    {
        public string Text { get; } = new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(new YamlStream(new YamlDocument(node)).Documents[0].RootNode);
    }
}
