using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// pr-comment.js and drift-issue.js run as actions/github-script runs them, against GitHubFake/run-script.js (a
/// stand-in for the REST API with GitHub's list filter and 65,536-character body limit). The artifacts of a
/// workflow_run are written by the pull request's code, so every scenario here has a fork try something.
/// </summary>
public sealed class CommentScriptTests : IDisposable
{
    private const string Repository = "acme/voice-edge";
    private const string ForkSha = "1111111111111111111111111111111111111111";
    private const string SameSha = "2222222222222222222222222222222222222222";
    private readonly string _work = Directory.CreateTempSubdirectory("voice-edge-comment-").FullName;
    private string Artifacts => Path.Combine(_work, "artifacts");

    public CommentScriptTests() => Directory.CreateDirectory(Artifacts);

    private static JsonObject Pull(int number, string headRepo, string branch, string sha) => new()
    {
        ["number"] = number,
        ["state"] = "open",
        ["head"] = new JsonObject { ["ref"] = branch, ["sha"] = sha, ["repo"] = new JsonObject { ["full_name"] = headRepo, ["owner"] = new JsonObject { ["login"] = headRepo.Split('/')[0] } } },
    };

    private static JsonObject Run(string headRepo, string branch, string sha) => new()
    {
        ["head_sha"] = sha,
        ["head_branch"] = branch,
        ["html_url"] = "https://github.com/acme/voice-edge/actions/runs/77",
        ["head_repository"] = new JsonObject { ["full_name"] = headRepo, ["owner"] = new JsonObject { ["login"] = headRepo.Split('/')[0] } },
    };

    /// <summary>PR #5 from a fork (mallory/voice-edge:feature), PR #8 from this repository (acme/voice-edge:work).</summary>
    private static JsonArray Pulls() => [Pull(5, "mallory/voice-edge", "feature", ForkSha), Pull(8, Repository, "work", SameSha)];

    private JsonDocument RunScript(string module, JsonObject scenario)
        => RunModule(Repo.Path(".github", "scripts", module), scenario);

    private JsonDocument RunModule(string modulePath, JsonObject scenario)
    {
        var path = Path.Combine(_work, "scenario.json");
        File.WriteAllText(path, scenario.ToJsonString());
        var (exit, stdout, stderr) = Shell.Run("node", $"{Repo.Path("tests", "VoiceEdge.Workflows.Tests", "GitHubFake", "run-script.js")} {modulePath} {path}");
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout);
    }

    private JsonDocument PostComment(JsonObject run, JsonObject? comments = null) => RunScript("pr-comment.js", new JsonObject
    {
        ["repo"] = Repository,
        ["payload"] = new JsonObject { ["workflow_run"] = run },
        ["pulls"] = Pulls(),
        ["comments"] = comments ?? new JsonObject(),
        ["args"] = new JsonObject { ["artifactsDir"] = Artifacts },
    });

    private void Artifact(string name, string text) => File.WriteAllText(Path.Combine(Artifacts, name), text);

    private static List<string> Bodies(JsonDocument result, int pr) =>
        result.RootElement.GetProperty("comments").TryGetProperty(pr.ToString(System.Globalization.CultureInfo.InvariantCulture), out var list)
            ? list.EnumerateArray().Select(c => c.GetProperty("body").GetString()!).ToList() : [];

    [Fact]
    public void A_fork_claiming_another_pull_requests_number_is_refused_and_nothing_is_posted()
    {
        Artifact("rendered-diff.md", "diff from the fork");
        Artifact("pr-number.txt", "8\n");
        var result = PostComment(Run("mallory/voice-edge", "feature", ForkSha));
        Assert.Contains("refusing to post", result.RootElement.GetProperty("error").GetString());
        Assert.Empty(Bodies(result, 8));
        Assert.Empty(Bodies(result, 5));
    }

    [Fact]
    public void A_forks_comment_goes_to_the_pull_request_its_head_belongs_to_without_forged_previews()
    {
        Artifact("rendered-diff.md", "### Rendered Pulumi programs\nthe diff");
        Artifact("pr-number.txt", "5");
        Artifact("preview-prod.md", "FORGED: prod preview shows no changes");
        Artifact("pr-stack.md", "FORGED: preview stack");
        var result = PostComment(Run("mallory/voice-edge", "feature", ForkSha));
        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("error").ValueKind);
        var body = Assert.Single(Bodies(result, 5));
        Assert.Contains("the diff", body);
        Assert.DoesNotContain("FORGED", body);
        Assert.Contains("pull requests from forks do not get", body);
    }

    [Fact]
    public void A_run_from_this_repository_includes_its_previews_and_updates_the_one_comment_in_place()
    {
        Artifact("rendered-diff.md", "the diff");
        Artifact("preview-dev.md", "dev preview");
        Artifact("preview-prod.md", "prod preview");
        Artifact("pr-stack.md", "preview stack urls");
        var existing = new JsonObject
        {
            ["8"] = new JsonArray(
                new JsonObject { ["id"] = 1, ["body"] = "<!-- voice-edge-pr -->\nplanted by a user", ["user"] = new JsonObject { ["login"] = "mallory", ["type"] = "User" } },
                new JsonObject { ["id"] = 2, ["body"] = "<!-- voice-edge-pr -->\nold", ["user"] = new JsonObject { ["login"] = "github-actions[bot]", ["type"] = "Bot" } }),
        };
        var result = PostComment(Run(Repository, "work", SameSha), existing);
        var bodies = Bodies(result, 8);
        Assert.Equal(2, bodies.Count);
        Assert.Equal("<!-- voice-edge-pr -->\nplanted by a user", bodies[0]);
        foreach (var part in new[] { "the diff", "dev preview", "prod preview", "preview stack urls" }) Assert.Contains(part, bodies[1]);
        Assert.True(bodies[1].IndexOf("dev preview", StringComparison.Ordinal) < bodies[1].IndexOf("prod preview", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_that_is_no_longer_its_pull_requests_head_posts_nothing()
    {
        Artifact("rendered-diff.md", "older diff");
        Artifact("pr-number.txt", "8");
        var result = PostComment(Run(Repository, "work", "3333333333333333333333333333333333333333"));
        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("error").ValueKind);
        Assert.Empty(Bodies(result, 8));
        Assert.Contains("nothing posted", result.RootElement.GetProperty("notices")[0].GetString());
    }

    [Fact]
    public void A_comment_over_githubs_limit_is_capped_with_a_note_linking_the_run()
    {
        Artifact("rendered-diff.md", "```diff\n" + new string('+', 64000) + "\n```");
        Artifact("preview-dev.md", new string('~', 30000));
        Artifact("preview-prod.md", new string('~', 30000));
        var result = PostComment(Run(Repository, "work", SameSha));
        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("error").ValueKind);
        var body = Assert.Single(Bodies(result, 8));
        Assert.True(body.Length <= 60000, $"{body.Length} characters");
        Assert.Contains("**Truncated**", body);
        Assert.Contains("https://github.com/acme/voice-edge/actions/runs/77", body);
    }

    [Fact]
    public void The_stand_in_refuses_bodies_over_65536_characters_as_github_does()
    {
        var result = RunModule(Repo.Path("tests", "VoiceEdge.Workflows.Tests", "GitHubFake", "post-raw.js"), new JsonObject
        {
            ["repo"] = Repository,
            ["args"] = new JsonObject { ["issue"] = 8, ["body"] = new string('x', 65537) },
        });
        Assert.Contains("Body is too long (maximum is 65536 characters)", result.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Drift_opens_one_issue_per_stack_capped_and_a_clean_check_closes_it()
    {
        File.WriteAllText(Path.Combine(_work, "drift.txt"), new string('~', 80000));
        JsonObject Scenario(string result, JsonArray issues) => new()
        {
            ["repo"] = Repository,
            ["issues"] = issues,
            ["args"] = new JsonObject { ["stack"] = "prod", ["result"] = result, ["diffPath"] = Path.Combine(_work, "drift.txt") },
        };
        var opened = RunScript("drift-issue.js", Scenario("drift", []));
        Assert.Equal(JsonValueKind.Null, opened.RootElement.GetProperty("error").ValueKind);
        var issue = Assert.Single(opened.RootElement.GetProperty("issues").EnumerateArray());
        Assert.Contains("drift:prod", issue.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains("**Truncated**", issue.GetProperty("body").GetString());

        var issues = JsonNode.Parse(opened.RootElement.GetProperty("issues").GetRawText())!.AsArray();
        var again = RunScript("drift-issue.js", Scenario("drift", issues));
        Assert.Single(again.RootElement.GetProperty("issues").EnumerateArray());

        var closed = RunScript("drift-issue.js", Scenario("clean", JsonNode.Parse(again.RootElement.GetProperty("issues").GetRawText())!.AsArray()));
        Assert.Equal("closed", closed.RootElement.GetProperty("issues")[0].GetProperty("state").GetString());
        Assert.Contains("failed", RunScript("drift-issue.js", Scenario("failed", [])).RootElement.GetProperty("error").GetString());
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
