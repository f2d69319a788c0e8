using YamlDotNet.RepresentationModel;
using static VoiceEdge.Workflows.Tests.GitHubModel;
using static VoiceEdge.Workflows.Tests.Workflow;

namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// The GitHub rules that decide whether the workflows work on a real repository, checked over every run of every
/// job GitHub would start (each matrix combination, each manual input), with the environments of
/// stacks/environments.yaml standing in for the repository's settings (see <see cref="GitHubModel"/>).
/// </summary>
public class GitHubRulesTests
{
    private static readonly Manifest Manifest = Manifest.Load();

    private static IEnumerable<JobInstance> Started() => AllInstances().Where(Starts);

    [Fact]
    public void Environment_secrets_reach_only_jobs_that_name_the_environment()
    {
        var problems = new List<string>();
        foreach (var job in Started())
        {
            var env = Environment(job);
            if (env is not null && !Manifest.Environments.ContainsKey(env))
            {
                problems.Add($"{job} names environment '{env}', which stacks/environments.yaml does not declare");
                continue;
            }
            var available = env is null ? new HashSet<string>() : Manifest.Environments[env].Secrets;
            foreach (var secret in SecretsReferenced(job).Where(s => !available.Contains(s)))
                problems.Add($"{job} reads secrets.{secret}, but " + (env is null ? "names no environment (the repository holds no secrets)" : $"environment '{env}' does not hold it"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Required_reviewers_gate_only_jobs_that_change_a_stack_and_never_a_scheduled_or_pull_request_run()
    {
        var problems = new List<string>();
        foreach (var job in Started())
        {
            if (Environment(job) is not { } env || !Manifest.Environments[env].RequiresReviewers) continue;
            var triggers = job.Workflow.On.Children.Keys.Select(k => k.ToString()).ToList();
            if (triggers.Any(t => t is "schedule" or "pull_request" or "pull_request_target" or "workflow_run"))
                problems.Add($"{job} names '{env}', whose required reviewers would hold every {string.Join("/", triggers)} run");
            if (Access(job) != StackAccess.Write)
                problems.Add($"{job} names '{env}' but changes no stack: a read-only job waiting for a reviewer");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Only_jobs_that_log_in_with_oidc_can_mint_an_id_token()
    {
        var problems = new List<string>();
        foreach (var job in AllInstances())
        {
            if (UsesOidc(job) && !CanMintOidcToken(job)) problems.Add($"{job} logs in with OIDC without id-token: write (azure/login would fail)");
            if (!UsesOidc(job) && CanMintOidcToken(job)) problems.Add($"{job} can mint an OIDC token it does not use");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Fork_pull_requests_get_the_offline_diff_and_tests_with_no_secret_environment_or_token()
    {
        const string SameRepo = "github.event.pull_request.head.repo.full_name == github.repository";
        var forkJobs = Workflow.All().Where(w => w.On.Children.ContainsKey("pull_request")).SelectMany(Instances)
            .Where(j => Scalar(j.Job, "if")?.Contains(SameRepo, StringComparison.Ordinal) != true).ToList();
        Assert.Contains(forkJobs, j => j.Id == "rendered-diff");
        Assert.Contains(forkJobs, j => j.Id == "test");
        foreach (var job in forkJobs)
        {
            Assert.True(SecretsReferenced(job).Count == 0, $"{job} runs for forks and reads secrets");
            Assert.True(Environment(job) is null, $"{job} runs for forks and names an environment");
            Assert.False(CanMintOidcToken(job), $"{job} runs for forks and can mint an OIDC token");
            Assert.Equal(StackAccess.None, Access(job));
        }
        Assert.DoesNotContain(Workflow.All(), w => w.On.Children.ContainsKey("pull_request_target"));
    }

    [Fact]
    public void Drift_and_previews_use_read_only_environments_and_deploys_the_deploying_ones()
    {
        var reads = Manifest.Stacks.Select(s => s.ReadEnvironment).ToHashSet();
        var writes = Manifest.Stacks.Select(s => s.Environment).ToHashSet();
        foreach (var job in Started().Where(j => Access(j) != StackAccess.None))
        {
            var env = Environment(job);
            if (Access(job) == StackAccess.Read) Assert.True(env is not null && reads.Contains(env), $"{job} only reads stacks but names '{env}', not a read-only environment");
            else Assert.True(env is not null && (writes.Contains(env) || env == Manifest.PreviewEnvironment), $"{job} changes a stack with environment '{env}'");
        }
    }

    [Fact]
    public void No_run_holding_a_stack_lock_can_be_cancelled_and_reads_never_displace_a_queued_deploy()
    {
        var problems = new List<string>();
        var writeGroups = new HashSet<string>();
        var readGroups = new Dictionary<string, JobInstance>();
        foreach (var job in Started())
        {
            var access = Access(job);
            if (access == StackAccess.None) continue;
            var (group, cancels) = Concurrency(job);
            if (cancels) problems.Add($"{job} runs pulumi and can be cancelled in progress (a cancelled update leaves the stack locked)");
            if (group is null) problems.Add($"{job} runs pulumi outside any concurrency group");
            else if (access == StackAccess.Write) writeGroups.Add(group);
            else readGroups[group] = job;
        }
        // A newly queued run cancels the pending one of its group: a preview or drift check in a deploy's group
        // could cancel a deploy waiting its turn.
        foreach (var (group, job) in readGroups.Where(g => writeGroups.Contains(g.Key)))
            problems.Add($"{job} shares concurrency group '{group}' with a deploy and could cancel it while it is pending");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Stack_changing_jobs_use_the_stacks_own_concurrency_group()
    {
        foreach (var job in Started().Where(j => Access(j) == StackAccess.Write))
        {
            var stack = Evaluate(job.Workflow, Scalar(job.Job, "env", "STACK") ?? "", job.Matrix, job.Inputs);
            Assert.True(stack.Length > 0, $"{job} changes a stack but sets no STACK");
            Assert.Equal($"pulumi-{stack}", Concurrency(job).Group);
        }
    }

    [Fact]
    public void Every_workflow_declares_permissions_and_no_job_can_write_code_or_actions()
    {
        foreach (var wf in Workflow.All())
        {
            Assert.IsType<YamlMappingNode>(wf.Root["permissions"]);
            foreach (var job in Instances(wf))
                Assert.DoesNotContain(Permissions(job), p => p.Key == "*" || (p.Value == "write" && p.Key is "contents" or "actions"));
        }
    }
}
