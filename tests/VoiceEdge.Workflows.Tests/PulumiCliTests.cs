namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// The workflow scripts run for real against FakePulumi/pulumi, a stand-in that reproduces the pinned CLI's exit
/// codes and messages (its header names the pulumi/pulumi sources). The world it plays (drift, pending changes,
/// missing stacks, no token) is set per test.
/// </summary>
public sealed class PulumiCliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("voice-edge-ws-").FullName;
    private string Log => Path.Combine(_work, "calls.log");
    private string Calls => File.Exists(Log) ? File.ReadAllText(Log) : "";
    private string GithubOutput => File.Exists(Path.Combine(_work, "github_output")) ? File.ReadAllText(Path.Combine(_work, "github_output")) : "";

    private Dictionary<string, string?> World(bool drift = false, bool pending = false, string? token = "pul-sentinel", string? stacks = null) => new()
    {
        ["PATH"] = $"{Repo.Path("tests", "VoiceEdge.Workflows.Tests", "FakePulumi")}:{System.Environment.GetEnvironmentVariable("PATH")}",
        ["FAKE_PULUMI_PIN"] = Repo.Path(".github", "pulumi-version"),
        ["FAKE_PULUMI_LOG"] = Log,
        ["FAKE_PULUMI_DRIFT"] = drift ? "1" : "0",
        ["FAKE_PULUMI_PENDING"] = pending ? "1" : "0",
        ["FAKE_PULUMI_STACKS"] = stacks,
        ["PULUMI_ACCESS_TOKEN"] = token,
        ["GITHUB_OUTPUT"] = Path.Combine(_work, "github_output"),
    };

    private (int Exit, string Stdout, string Stderr) Script(string name, string args, Dictionary<string, string?> env) =>
        Shell.Run("bash", $"{Repo.Path(".github", "scripts", name)} {args}", env, cwd: _work);

    [Fact]
    public void The_stand_in_models_the_pinned_cli_version()
    {
        var pin = File.ReadAllText(Repo.Path(".github", "pulumi-version")).Trim();
        var (exit, stdout, stderr) = Shell.Run(Repo.Path("tests", "VoiceEdge.Workflows.Tests", "FakePulumi", "pulumi"), "version", World());
        Assert.True(exit == 0, stderr);
        Assert.Equal($"v{pin}", stdout.Trim());

        var other = Path.Combine(_work, "pulumi-version");
        File.WriteAllText(other, "3.225.0\n");
        var env = World();
        env["FAKE_PULUMI_PIN"] = other;
        var (refused, _, message) = Shell.Run(Repo.Path("tests", "VoiceEdge.Workflows.Tests", "FakePulumi", "pulumi"), "version", env);
        Assert.Equal(99, refused);
        Assert.Contains("the pinned CLI 3.225.0 is not modelled", message);
    }

    [Fact]
    public void Drift_check_refreshes_preview_only_and_reports_clean()
    {
        var (exit, _, _) = Script("drift-check.sh", "dev", World());
        Assert.Equal(0, exit);
        Assert.Contains("result=clean", GithubOutput);
        Assert.Equal("refresh --stack dev --preview-only --expect-no-changes --diff --non-interactive --color never", Calls.Trim());
    }

    [Fact]
    public void Drift_in_the_cloud_is_drift_decided_by_exit_code_7()
    {
        var (exit, stdout, _) = Script("drift-check.sh", "prod", World(drift: true));
        Assert.Equal(0, exit);
        Assert.Contains("result=drift", GithubOutput);
        Assert.Contains("::warning::stack prod has drifted", stdout);
        var output = File.ReadAllText(Path.Combine(_work, "drift.txt"));
        Assert.Contains("websockets", output);
        Assert.Contains("no changes were expected for refresh but changes were proposed", output);
    }

    [Fact]
    public void Merged_but_undeployed_changes_are_not_drift()
    {
        var (exit, _, _) = Script("drift-check.sh", "prod", World(pending: true));
        Assert.Equal(0, exit);
        Assert.Contains("result=clean", GithubOutput);
        Assert.DoesNotContain("result=drift", GithubOutput);
    }

    [Fact]
    public void Any_other_exit_code_fails_the_drift_check_with_that_code()
    {
        var (exit, stdout, _) = Script("drift-check.sh", "dev", World(drift: true, token: null));
        Assert.Equal(3, exit);
        Assert.Contains("result=failed", GithubOutput);
        Assert.Contains("::error::drift check of dev failed (pulumi exit 3)", stdout);
        Assert.DoesNotContain("result=drift", GithubOutput);
        Assert.Equal(6, Script("drift-check.sh", "staging", World(stacks: "dev prod")).Exit);
    }

    [Fact]
    public void Preview_check_shows_pending_changes_and_their_diff()
    {
        var (exit, _, _) = Script("preview-check.sh", "dev pending.md", World(pending: true));
        Assert.Equal(0, exit);
        Assert.Contains("result=changes", GithubOutput);
        var md = File.ReadAllText(Path.Combine(_work, "pending.md"));
        Assert.Contains("<code>dev</code>: changes", md);
        Assert.Contains("contentSha256", md);
        Assert.Equal("preview --stack dev --expect-no-changes --diff --non-interactive --color never", Calls.Trim());
    }

    [Fact]
    public void Preview_check_reports_no_changes_and_fails_on_errors()
    {
        Assert.Equal(0, Script("preview-check.sh", "dev a.md", World(drift: true)).Exit);
        Assert.Contains("result=none", GithubOutput);
        Assert.Equal(3, Script("preview-check.sh", "dev b.md", World(token: "")).Exit);
        Assert.Contains("result=failed", GithubOutput);
        Assert.Contains("failed (pulumi exit 3)", File.ReadAllText(Path.Combine(_work, "b.md")));
    }

    [Fact]
    public void Destroying_a_preview_stack_that_was_never_created_succeeds()
    {
        var (exit, stdout, _) = Script("destroy-preview-stack.sh", "pr-9", World(stacks: "dev prod"));
        Assert.Equal(0, exit);
        Assert.Contains("no stack pr-9: nothing to destroy", stdout);
        Assert.Equal(0, Script("destroy-preview-stack.sh", "pr-10", World(stacks: "pr-10")).Exit);
        Assert.Contains("destroy --stack pr-10 --yes --remove --non-interactive --color never", Calls);
        Assert.Equal(3, Script("destroy-preview-stack.sh", "pr-10", World(token: null)).Exit);
        Assert.Equal(2, Script("destroy-preview-stack.sh", "prod", World()).Exit);
    }

    [Fact]
    public void Init_preview_stack_applies_the_template_with_secrets_from_the_environment()
    {
        var env = World();
        env["RELAY_SIGNING_KEY"] = "sentinel-relay-key";
        env["AUTH_JWT_SECRET"] = "sentinel-jwt-secret";
        var (exit, stdout, stderr) = Shell.Run("bash", ".github/scripts/init-preview-stack.sh pr-42", env);
        Assert.True(exit == 0, stderr);
        var calls = Calls.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("stack select --create pr-42 --non-interactive", calls[0]);
        Assert.Contains("config set --stack pr-42 voice-edge:kind preview", calls);
        Assert.Contains("config set --stack pr-42 voice-edge:relayUrl https://ws-dev.example.com", calls);
        Assert.Contains("config set --secret --stack pr-42 voice-edge:relaySigningKey stdin=sentinel-relay-key", calls);
        Assert.Contains("config set --secret --stack pr-42 voice-edge:authJwtSecret stdin=sentinel-jwt-secret", calls);
        Assert.DoesNotContain("sentinel", stdout + stderr);
    }

    [Fact]
    public void Init_preview_stack_refuses_a_missing_secret_and_a_bad_stack_name()
    {
        var env = World();
        env["RELAY_SIGNING_KEY"] = "x";
        env["AUTH_JWT_SECRET"] = null;
        var (exit, _, stderr) = Shell.Run("bash", ".github/scripts/init-preview-stack.sh pr-7", env);
        Assert.NotEqual(0, exit);
        Assert.Contains("AUTH_JWT_SECRET is empty", stderr);
        Assert.Equal(2, Shell.Run("bash", ".github/scripts/init-preview-stack.sh prod", env).Exit);
    }

    [Fact]
    public void The_manual_cancel_input_is_validated_against_the_manifest()
    {
        Assert.Equal(("prod", 0), Environment("prod"));
        Assert.Equal(("preview", 0), Environment("pr-12"));
        foreach (var bad in new[] { "staging", "pr-", "pr-0", "dev;rm", "" })
        {
            var (exit, _, stderr) = Shell.Run("python3", $".github/scripts/stacks.py environment \"{bad}\"");
            Assert.Equal(2, exit);
            Assert.Contains("is not a stack: use one of dev, prod", stderr);
        }

        static (string, int) Environment(string stack)
        {
            var (exit, stdout, _) = Shell.Run("python3", $".github/scripts/stacks.py environment {stack}");
            return (stdout.Trim(), exit);
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
