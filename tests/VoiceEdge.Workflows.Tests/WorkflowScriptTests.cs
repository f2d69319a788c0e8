namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// The workflow scripts, run for real with a stand-in `pulumi` on PATH (a script that records its arguments
/// and plays back a canned result): the logic that tells drift from failure, and the preview-stack setup.
/// </summary>
public sealed class WorkflowScriptTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("voice-edge-fake-pulumi-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("voice-edge-ws-").FullName;

    private Dictionary<string, string?> FakePulumi(string output, int exitCode)
    {
        var log = Path.Combine(_bin, "calls.log");
        File.WriteAllText(Path.Combine(_bin, "pulumi"),
            "#!/usr/bin/env bash\n" +
            $"printf '%s' \"$*\" >> '{log}'\n" +
            "if [ ! -t 0 ] && [[ \"$*\" == *--secret* ]]; then printf ' stdin=%s' \"$(cat)\" >> '" + log + "'; fi\n" +
            $"printf '\\n' >> '{log}'\n" +
            $"printf '%s\\n' '{output}'\n" +
            $"exit {exitCode}\n");
        File.SetUnixFileMode(Path.Combine(_bin, "pulumi"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Dictionary<string, string?>
        {
            ["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["GITHUB_OUTPUT"] = Path.Combine(_work, "github_output"),
        };
    }

    private string Calls => File.Exists(Path.Combine(_bin, "calls.log")) ? File.ReadAllText(Path.Combine(_bin, "calls.log")) : "";

    private string GithubOutput => File.ReadAllText(Path.Combine(_work, "github_output"));

    private (int Exit, string Stdout, string Stderr) DriftCheck(Dictionary<string, string?> env) =>
        Shell.Run("bash", $"{Repo.Path(".github", "scripts", "drift-check.sh")} dev", env, cwd: _work);

    [Fact]
    public void Drift_check_reports_clean_when_preview_expects_no_changes()
    {
        var (exit, _, _) = DriftCheck(FakePulumi("Resources: 19 unchanged", 0));
        Assert.Equal(0, exit);
        Assert.Contains("result=clean", GithubOutput);
        Assert.Contains("preview --stack dev --refresh --expect-no-changes --diff", Calls);
    }

    [Fact]
    public void Drift_check_reports_drift_without_failing_the_job()
    {
        var (exit, _, _) = DriftCheck(FakePulumi("error: no changes were expected but changes were proposed", 255));
        Assert.Equal(0, exit);
        Assert.Contains("result=drift", GithubOutput);
        Assert.Contains("no changes were expected", File.ReadAllText(Path.Combine(_work, "drift.txt")));
    }

    [Fact]
    public void Drift_check_fails_the_job_on_any_other_error()
    {
        var (exit, _, _) = DriftCheck(FakePulumi("error: failed to authenticate", 255));
        Assert.Equal(255, exit);
        Assert.Contains("result=failed", GithubOutput);
    }

    [Fact]
    public void Init_preview_stack_applies_the_template_with_secrets_from_the_environment()
    {
        var env = FakePulumi("ok", 0);
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
        var env = FakePulumi("ok", 0);
        env["RELAY_SIGNING_KEY"] = "x";
        env["AUTH_JWT_SECRET"] = null;
        var (exit, _, stderr) = Shell.Run("bash", ".github/scripts/init-preview-stack.sh pr-7", env);
        Assert.NotEqual(0, exit);
        Assert.Contains("AUTH_JWT_SECRET is empty", stderr);
        Assert.Equal(2, Shell.Run("bash", ".github/scripts/init-preview-stack.sh prod", env).Exit);
    }

    public void Dispose()
    {
        Directory.Delete(_bin, recursive: true);
        Directory.Delete(_work, recursive: true);
    }
}
