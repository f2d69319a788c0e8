using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static VoiceEdge.Workflows.Tests.GitHubModel;
using static VoiceEdge.Workflows.Tests.Workflow;

namespace VoiceEdge.Workflows.Tests;

/// <summary>Each workflow runs the right commands for the stacks of stacks/environments.yaml, and nothing names a stack itself.</summary>
public partial class WorkflowTests
{
    private static readonly Manifest Manifest = Manifest.Load();
    private static readonly string[] Files = ["deploy.yml", "drift.yml", "pr-close.yml", "pr-comment.yml", "pr.yml", "pulumi-cancel.yml"];

    private static List<JobInstance> Running(string file, string job) =>
        Instances(new Workflow(file)).Where(j => j.Id == job && Starts(j)).ToList();

    private static IEnumerable<string> Runs(JobInstance job) => Workflow.Runs(job.Job);

    [Fact]
    public void The_workflows_are_these_and_pin_their_actions_to_major_versions()
    {
        Assert.Equal(Files, Workflow.All().Select(w => w.Name));
        var steps = Workflow.All().SelectMany(w => w.Jobs.Values.SelectMany(Steps))
            .Concat(Steps(LoadYaml(".github", "actions", "setup", "action.yml")["runs"] as YamlMappingNode ?? new YamlMappingNode()));
        foreach (var uses in steps.Select(s => Scalar(s, "uses")).OfType<string>().Where(u => !u.StartsWith("./", StringComparison.Ordinal)))
            Assert.Matches(PinnedAction(), uses);
    }

    [Fact]
    public void Every_committed_stack_is_in_the_manifest_and_the_manifest_reader_agrees_with_it()
    {
        var committed = Directory.EnumerateFiles(Repo.Root, "Pulumi.*.yaml").Select(f => Path.GetFileName(f)["Pulumi.".Length..^".yaml".Length]).Order();
        Assert.Equal(committed, Manifest.Stacks.Select(s => s.Name).Order());
        var (exit, stdout, stderr) = Shell.Run("python3", ".github/scripts/stacks.py check");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"{Manifest.Stacks.Count} stacks", stdout);
    }

    [Fact]
    public void Deploy_covers_every_stack_in_manifest_order_push_stacks_first_then_approval_stacks_behind_reviewers()
    {
        var push = Running("deploy.yml", "deploy-push");
        var approval = Running("deploy.yml", "deploy-approval");
        Assert.Equal(Manifest.Stacks.Where(s => s.Deploy == "push").Select(s => (s.Name, s.Environment)), push.Select(j => (j.Matrix["stack"], Environment(j)!)));
        Assert.Equal(Manifest.Stacks.Where(s => s.Deploy == "approval").Select(s => (s.Name, s.Environment)), approval.Select(j => (j.Matrix["stack"], Environment(j)!)));
        Assert.All(approval, j => Assert.True(Manifest.Environments[Environment(j)!].RequiresReviewers));
        Assert.Contains("deploy-push", Needs(approval[0].Job));
        foreach (var job in push.Concat(approval))
        {
            var runs = Runs(job).ToList();
            var login = Steps(job.Job).ToList().FindIndex(s => Scalar(s, "uses")?.StartsWith("azure/login@", StringComparison.Ordinal) == true);
            var preflight = runs.FindIndex(r => r == "infra/voice-edge preflight \"$STACK\"");
            var up = runs.FindIndex(r => r.StartsWith("pulumi up --stack \"$STACK\" --yes", StringComparison.Ordinal));
            Assert.True(preflight >= 0 && up > preflight, $"{job}: preflight must run before pulumi up");
            Assert.True(login >= 0 && login < Steps(job.Job).ToList().FindIndex(s => Scalar(s, "run") == runs[preflight]), $"{job}: preflight needs the Azure login");
            Assert.Contains(runs, r => r.Contains("pulumi stack output --json --stack \"$STACK\"", StringComparison.Ordinal) && r.Contains("--project tests/smoke", StringComparison.Ordinal));
            Assert.Equal("${{ matrix.stack }}", Scalar(job.Job, "env", "STACK"));
        }
        Assert.Contains(Runs(Running("deploy.yml", "test")[0]), r => r == "bash .ci/run");
    }

    [Fact]
    public void Pull_requests_preview_every_stack_with_its_read_environment_and_keep_the_offline_diff_for_forks()
    {
        var previews = Running("pr.yml", "preview");
        Assert.Equal(Manifest.Stacks.Select(s => (s.Name, s.ReadEnvironment)), previews.Select(j => (j.Matrix["stack"], Environment(j)!)));
        Assert.All(previews, j => Assert.Contains(Runs(j), r => r == "bash .github/scripts/preview-check.sh \"$STACK\" \"preview-$STACK.md\""));
        var diff = Running("pr.yml", "rendered-diff").Single();
        Assert.Contains(Runs(diff), r => r.StartsWith("bash .github/scripts/render-diff.sh \"origin/$BASE_REF\"", StringComparison.Ordinal));
        var prStack = Running("pr.yml", "preview-stack").Single();
        Assert.Equal(Manifest.PreviewEnvironment, Environment(prStack));
        Assert.Contains(Runs(prStack), r => r == "bash .github/scripts/init-preview-stack.sh \"$STACK\"");
        Assert.Equal("pr-${{ github.event.pull_request.number }}", Scalar(prStack.Job, "env", "STACK"));
    }

    [Fact]
    public void Drift_checks_every_drift_stack_with_its_read_environment_and_keeps_pending_changes_apart()
    {
        var wf = new Workflow("drift.yml");
        Assert.True(wf.On.Children.ContainsKey("schedule") && wf.On.Children.ContainsKey("workflow_dispatch"));
        var drift = Running("drift.yml", "drift");
        Assert.Equal(Manifest.Stacks.Where(s => s.Drift).Select(s => (s.Name, s.ReadEnvironment)), drift.Select(j => (j.Matrix["stack"], Environment(j)!)));
        var steps = Steps(drift[0].Job).ToList();
        var check = steps.FindIndex(s => Scalar(s, "run") == "bash .github/scripts/drift-check.sh \"$STACK\"");
        var issue = steps.FindIndex(s => Scalar(s, "with", "script")?.Contains("drift-issue.js", StringComparison.Ordinal) == true);
        var pending = steps.FindIndex(s => Scalar(s, "run")?.StartsWith("bash .github/scripts/preview-check.sh \"$STACK\" pending.md", StringComparison.Ordinal) == true);
        Assert.True(check >= 0 && issue > check && pending > issue, "drift check, then the issue, then pending changes");
        Assert.Contains("$GITHUB_STEP_SUMMARY", Scalar(steps[pending], "run"));
        Assert.Equal("${{ steps.check.outputs.result }}", Scalar(steps[issue], "env", "RESULT"));
        Assert.Equal("write", Permissions(drift[0])["issues"]);
    }

    [Fact]
    public void Closing_a_pull_request_destroys_its_stack_and_a_manual_workflow_unlocks_any_stack_it_validates()
    {
        var destroy = Running("pr-close.yml", "destroy-preview").Single();
        Assert.Contains(Runs(destroy), r => r == "bash .github/scripts/destroy-preview-stack.sh \"$STACK\"");

        var cancel = new Workflow("pulumi-cancel.yml");
        Assert.Equal(["workflow_dispatch"], cancel.On.Children.Keys.Select(k => k.ToString()));
        Assert.Equal("string", Scalar(cancel.On, "workflow_dispatch", "inputs", "stack", "type"));
        var started = Instances(cancel).Where(j => j.Id == "cancel" && Starts(j)).ToList();
        Assert.Equal(Manifest.Stacks.Select(s => (s.Name, s.Environment)).Append(("pr-7", Manifest.PreviewEnvironment)),
            started.Select(j => (j.Inputs["stack"], Environment(j)!)));
        Assert.All(started, j => Assert.Contains(Runs(j), r => r == "pulumi cancel --stack \"$STACK\" --yes --non-interactive"));
        Assert.Contains("pulumi cancel", File.ReadAllText(Repo.Path(".github", "README.md")));
    }

    [Fact]
    public void The_comment_workflow_reads_artifacts_only_through_the_script_that_distrusts_them()
    {
        var wf = new Workflow("pr-comment.yml");
        var trigger = (YamlMappingNode)wf.On["workflow_run"];
        Assert.Equal(Scalar(new Workflow("pr.yml").Root, "name"), ((YamlSequenceNode)trigger["workflows"]).Single().ToString());
        var job = wf.Jobs["comment"];
        foreach (var checkout in Steps(job).Where(s => Scalar(s, "uses")?.StartsWith("actions/checkout@", StringComparison.Ordinal) == true))
        {
            Assert.Null(Scalar(checkout, "with", "ref"));
            Assert.Null(Scalar(checkout, "with", "repository"));
        }
        Assert.Empty(Workflow.Runs(job));
        Assert.DoesNotContain(Text(job), "steps.", StringComparison.Ordinal);
        var post = Steps(job).Single(s => Scalar(s, "uses")?.StartsWith("actions/github-script@", StringComparison.Ordinal) == true);
        Assert.Contains("require('./.github/scripts/pr-comment.js')", Scalar(post, "with", "script"));
        var group = Scalar(wf.Root, "concurrency", "group")!;
        Assert.Contains("github.event.workflow_run.head_repository.full_name", group);
        Assert.Contains("github.event.workflow_run.head_branch", group);
        Assert.Equal("false", Scalar(wf.Root, "concurrency", "cancel-in-progress"));
    }

    [Fact]
    public void The_pulumi_cli_is_installed_once_at_the_pinned_version_and_every_command_is_a_plain_cli_call()
    {
        var pin = File.ReadAllText(Repo.Path(".github", "pulumi-version")).Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+$", pin);
        var action = LoadYaml(".github", "actions", "setup", "action.yml");
        var install = Steps((YamlMappingNode)action["runs"]).Where(s => Scalar(s, "uses")?.StartsWith("pulumi/", StringComparison.Ordinal) == true).ToList();
        var step = Assert.Single(install);
        Assert.Equal("pulumi/actions@v7", Scalar(step, "uses"));
        Assert.Null(Scalar(step, "with", "command"));
        Assert.Equal(".github/pulumi-version", Scalar(step, "with", "pulumi-version-file"));
        foreach (var wf in Workflow.All())
            foreach (var s in wf.Jobs.Values.SelectMany(Steps))
                Assert.False(Scalar(s, "uses")?.StartsWith("pulumi/", StringComparison.Ordinal) == true, $"{wf.Name}: {Scalar(s, "uses")}: run the pinned CLI instead");
    }

    [Fact]
    public void No_workflow_or_table_carries_an_ssh_private_key()
    {
        foreach (var wf in Workflow.All()) Assert.DoesNotMatch("(?i)ssh", Text(wf.Root));
        Assert.DoesNotMatch("(?i)ssh_?private_?key", File.ReadAllText(Repo.Path(".github", "README.md")));
        Assert.DoesNotContain(Manifest.Environments.Values.SelectMany(e => e.Secrets), s => s.Contains("SSH", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_readme_table_of_environments_is_the_manifests()
    {
        var rows = File.ReadAllLines(Repo.Path(".github", "README.md"))
            .SkipWhile(l => !l.StartsWith("| environment |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();
        Assert.Equal(Manifest.Environments.Keys.Order(), rows.Select(r => r[0].Trim('`')).Order());
        foreach (var row in rows)
        {
            var env = Manifest.Environments[row[0].Trim('`')];
            Assert.Equal(env.RequiresReviewers ? "required" : "none", row[2]);
            Assert.Equal(env.Secrets.Order(), BacktickedNames().Matches(row[5]).Select(m => m.Groups[1].Value).Order());
        }
    }

    [GeneratedRegex(@"`([A-Z_]+)`")]
    private static partial Regex BacktickedNames();

    [GeneratedRegex(@"^[A-Za-z0-9-]+/[A-Za-z0-9._/-]+@v\d+$")]
    private static partial Regex PinnedAction();
}
