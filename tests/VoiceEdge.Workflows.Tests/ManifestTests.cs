namespace VoiceEdge.Workflows.Tests;

/// <summary>stacks.py refuses an incomplete or inconsistent manifest with one line per problem naming the fix.</summary>
public sealed class ManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("voice-edge-manifest-").FullName;

    public ManifestTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "stacks"));
        File.Copy(Repo.Path("stacks", "environments.yaml"), Path.Combine(_dir, "stacks", "environments.yaml"));
        foreach (var file in Directory.EnumerateFiles(Repo.Root, "Pulumi.*.yaml")) File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
    }

    private (int Exit, string Stderr) Check()
    {
        var (exit, _, stderr) = Shell.Run("python3", $"{Repo.Path(".github", "scripts", "stacks.py")} check", cwd: _dir);
        return (exit, stderr);
    }

    private void Edit(string from, string to)
    {
        var path = Path.Combine(_dir, "stacks", "environments.yaml");
        var text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void A_committed_stack_missing_from_the_manifest_stops_every_workflow()
    {
        Assert.Equal(0, Check().Exit);
        File.WriteAllText(Path.Combine(_dir, "Pulumi.staging.yaml"), "config: {}\n");
        var (exit, stderr) = Check();
        Assert.Equal(1, exit);
        Assert.Contains("stacks/environments.yaml: Pulumi.staging.yaml is committed but has no entry under 'stacks'; add one", stderr);
        Assert.Equal(1, Shell.Run("python3", $"{Repo.Path(".github", "scripts", "stacks.py")} outputs", cwd: _dir).Exit);
    }

    [Fact]
    public void A_read_environment_with_reviewers_or_an_undeclared_environment_is_refused()
    {
        Edit("  - name: dev-readonly\n    reviewers: none", "  - name: dev-readonly\n    reviewers: required");
        Edit("readEnvironment: prod-readonly", "readEnvironment: prod-ro");
        var (exit, stderr) = Check();
        Assert.Equal(1, exit);
        Assert.Contains("stack 'dev': readEnvironment 'dev-readonly' must have no required reviewers", stderr);
        Assert.Contains("stack 'prod': readEnvironment 'prod-ro' is not under 'environments'", stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
