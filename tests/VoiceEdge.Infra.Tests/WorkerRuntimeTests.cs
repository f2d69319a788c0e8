using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>The deployed Worker runs under the compatibility date and flags its tests ran under (worker-src/wrangler.jsonc).</summary>
public class WorkerRuntimeTests
{
    [Fact]
    public void The_script_gets_wranglers_compatibility_date_and_flags()
    {
        using var project = new ScratchProject();
        project.Write("worker-src/wrangler.jsonc", """
            // comments and trailing commas, as wrangler allows
            { "compatibility_date": "2031-02-03", "compatibility_flags": ["enable_request_signal", "nodejs_compat",], }
            """);
        var worker = new RepositoryArtifacts(project.Dir).Worker();
        Assert.Equal("2031-02-03", worker.CompatibilityDate);
        Assert.Equal(["enable_request_signal", "nodejs_compat"], worker.CompatibilityFlags);
    }

    [Fact]
    public void The_committed_stacks_upload_the_repositorys_flags()
    {
        var runtime = WranglerRuntime.Read(Repo.Path("worker-src", "wrangler.jsonc"), "worker-src/wrangler.jsonc");
        Assert.Contains("enable_request_signal", runtime.CompatibilityFlags);
        var script = (WorkersScript)Stacks.Program("dev").Resources.Single(r => r.Args is WorkersScript).Args;
        Assert.Equal(runtime.CompatibilityDate, script.CompatibilityDate);
        Assert.Equal(runtime.CompatibilityFlags, script.CompatibilityFlags);
    }

    [Theory]
    [InlineData("{ \"compatibility_flags\": [] }", "compatibility_date must be a date")]
    [InlineData("{ \"compatibility_date\": \"2025-11-01\", \"compatibility_flags\": [1] }", "compatibility_flags must be a list of names")]
    [InlineData("{ nope", "not valid JSON with comments")]
    public void A_broken_wrangler_config_fails_with_its_name(string text, string expected)
    {
        using var project = new ScratchProject();
        project.Write("worker-src/wrangler.jsonc", text);
        var e = Assert.Throws<ArtifactMissingException>(() => new RepositoryArtifacts(project.Dir).Worker());
        Assert.Contains("worker-src/wrangler.jsonc", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
