namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// render-diff.sh on a small repository of its own: a Worker whose build copies its source, and an infra/voice-edge
/// that prints the built worker.js's SHA-256 as the real program does (contentSha256). A Worker change must show.
/// </summary>
public sealed class RenderDiffTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("voice-edge-render-").FullName;

    public RenderDiffTests()
    {
        Write("Pulumi.dev.yaml", "config: {}\n");
        Write("infra/voice-edge", "#!/usr/bin/env bash\necho \"stack: $2\"\necho \"contentSha256: $(sha256sum worker-src/dist/worker.js | cut -d' ' -f1)\"\n");
        File.SetUnixFileMode(Path.Combine(_repo, "infra", "voice-edge"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Write("worker-src/package.json", "{\"name\":\"w\",\"private\":true,\"scripts\":{\"build\":\"mkdir -p dist && cp src/index.js dist/worker.js\"}}\n");
        Write("worker-src/package-lock.json", "{\"name\":\"w\",\"lockfileVersion\":3,\"requires\":true,\"packages\":{\"\":{\"name\":\"w\"}}}\n");
        Write("worker-src/src/index.js", "export default { fetch() { return new Response('base'); } };\n");
        Write(".gitignore", "node_modules/\ndist/\n");
        Git("init -q -b main");
        Git("add -A");
        Git("-c user.name=t -c user.email=t@example.com commit -q -m base");
        // Installed dependencies (none here): the base tree reuses them, as in CI, since the lockfiles match.
        Directory.CreateDirectory(Path.Combine(_repo, "worker-src", "node_modules"));
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_repo, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void Git(string args) => Assert.Equal(0, Shell.Run("git", args, cwd: _repo).Exit);

    private string RenderDiff()
    {
        var (exit, stdout, stderr) = Shell.Run("bash", $"{Repo.Path(".github", "scripts", "render-diff.sh")} main", cwd: _repo);
        Assert.True(exit == 0, stderr);
        return stdout;
    }

    [Fact]
    public void A_worker_change_shows_as_a_new_content_hash_and_an_unchanged_one_shows_nothing()
    {
        Assert.Contains("No change to any committed stack's program.", RenderDiff());
        Write("worker-src/src/index.js", "export default { fetch() { return new Response('head'); } };\n");
        var diff = RenderDiff();
        Assert.Contains("<code>dev</code>", diff);
        Assert.Matches(@"(?m)^-contentSha256: [0-9a-f]{64}$", diff);
        Assert.Matches(@"(?m)^\+contentSha256: [0-9a-f]{64}$", diff);
    }

    [Fact]
    public void A_changed_stack_gets_its_diagram_with_the_added_changed_and_removed_resources_named()
    {
        // render prints the program from program.yaml; plan --format mermaid echoes the marks it was given.
        Write("infra/voice-edge", "#!/usr/bin/env bash\nif [ \"$1\" = plan ]; then echo 'flowchart LR'; echo \"  %% $*\"; else cat program.yaml; fi\n");
        Write("program.yaml", "resources:\n  kept:\n    type: t\n  edited:\n    type: t\n    properties:\n      a: 1\n  dropped:\n    type: t\noutputs:\n  x: 1\n");
        Git("add -A");
        Git("-c user.name=t -c user.email=t@example.com commit -q -m program");
        Write("program.yaml", "resources:\n  kept:\n    type: t\n  edited:\n    type: t\n    properties:\n      a: 2\n  fresh:\n    type: t\noutputs:\n  x: 1\n");
        var diff = RenderDiff();
        Assert.Contains("```mermaid\nflowchart LR\n  %% plan dev --format mermaid --added fresh --changed edited --removed dropped\n```", diff);
        Assert.True(diff.IndexOf("```mermaid", StringComparison.Ordinal) < diff.IndexOf("````diff", StringComparison.Ordinal), "the diagram comes before the diff");
    }

    /// <summary>A fleet's resources are named <c>&lt;name&gt;-&lt;relay&gt;</c> (infra/README.md "A fleet of relays"): each is its own resource.</summary>
    [Fact]
    public void A_fleets_relay_resources_are_named_apart_in_the_diagram_marks()
    {
        Write("infra/voice-edge", "#!/usr/bin/env bash\nif [ \"$1\" = plan ]; then echo 'flowchart LR'; echo \"  %% $*\"; else cat program.yaml; fi\n");
        Write("program.yaml", "resources:\n  worker:\n    type: t\n  relayVm-weu:\n    type: t\n  relayInstall-weu:\n    type: t\n    properties:\n      a: 1\n  relayVm-old:\n    type: t\noutputs:\n  x: 1\n");
        Git("add -A");
        Git("-c user.name=t -c user.email=t@example.com commit -q -m program");
        Write("program.yaml", "resources:\n  worker:\n    type: t\n  relayVm-weu:\n    type: t\n  relayInstall-weu:\n    type: t\n    properties:\n      a: 2\n  relayVm-eus:\n    type: t\noutputs:\n  x: 1\n");
        var diff = RenderDiff();
        Assert.Contains("  %% plan dev --format mermaid --added relayVm-eus --changed relayInstall-weu --removed relayVm-old\n", diff);
    }

    [Fact]
    public void No_diagram_when_the_plan_cannot_draw_one()
    {
        Write("worker-src/src/index.js", "export default { fetch() { return new Response('head'); } };\n");
        var diff = RenderDiff();
        Assert.Contains("<code>dev</code>", diff);
        Assert.DoesNotContain("```mermaid", diff);
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);
}
