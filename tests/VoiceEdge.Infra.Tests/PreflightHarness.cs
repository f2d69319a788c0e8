using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>What one preflight run printed and returned; rows are looked up by their CHECK column.</summary>
public sealed record PreflightRun(int ExitCode, string Output)
{
    /// <summary>The row's line, with its fix line when it has one.</summary>
    public string Row(string check)
    {
        var lines = Output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length > 8 && lines[i][8..].StartsWith(check + "  ", StringComparison.Ordinal))
                return i + 1 < lines.Length && lines[i + 1].TrimStart().StartsWith("fix: ", StringComparison.Ordinal)
                    ? lines[i] + "\n" + lines[i + 1]
                    : lines[i];
        }
        throw new Xunit.Sdk.XunitException($"no row `{check}` in:\n{Output}");
    }

    public string Result(string check) => Row(check)[..8].Trim();

    public IReadOnlyList<string> Results() =>
        [.. Output.Split('\n').Skip(2).Where(l => l.StartsWith("pass ", StringComparison.Ordinal) || l.StartsWith("FAIL ", StringComparison.Ordinal) || l.StartsWith("skip ", StringComparison.Ordinal)).Select(l => l[..4])];
}

/// <summary>Runs preflight in-process against a <see cref="PreflightStandInApi"/> with an environment of its own.</summary>
public static class PreflightHarness
{
    /// <summary>The environment of a user with both credentials, pointed at the stand-in; PATH is empty so no real az is found.</summary>
    public static Dictionary<string, string> Env(PreflightStandInApi api) => new()
    {
        [PreflightEnvironment.CloudflareToken] = api.Scenario.CloudflareToken,
        [PreflightEnvironment.AzureToken] = api.Scenario.AzureToken,
        [PreflightEnvironment.SubscriptionId] = api.Scenario.SubscriptionId,
        [PreflightEnvironment.CloudflareApiBase] = api.CloudflareBase,
        [PreflightEnvironment.AzureApiBase] = api.AzureBase,
        ["PATH"] = "",
    };

    public static async Task<PreflightRun> RunAsync(ScratchProject project, string stack, IReadOnlyDictionary<string, string> env, bool skipAzure = false)
    {
        using var output = new StringWriter();
        var exit = await PreflightRunner.RunAsync(new StackCatalog(project.Dir), stack, skipAzure, k => env.GetValueOrDefault(k), output, CancellationToken.None);
        return new PreflightRun(exit, output.ToString());
    }

    /// <summary>Runs one stack against the shared stand-in set to <paramref name="scenario"/>, in a fresh scratch project.</summary>
    public static async Task<PreflightRun> RunAsync(PreflightStandInApi shared, StandInScenario scenario, string stack, Action<Dictionary<string, string>>? editEnv = null, Action<ScratchProject>? editProject = null, bool skipAzure = false)
    {
        var api = shared.Use(scenario);
        using var project = new ScratchProject(withWorker: false);
        editProject?.Invoke(project);
        var env = Env(api);
        editEnv?.Invoke(env);
        return await RunAsync(project, stack, env, skipAzure);
    }

    /// <summary>Rewrites one committed stack file of the scratch project; fails when the text to replace is absent.</summary>
    public static void EditStack(ScratchProject project, string stack, string from, string to)
    {
        var path = Path.Combine(project.Dir, StackConfigSources.StackFileName(stack));
        var text = File.ReadAllText(path);
        Assert.Contains(from, text);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    public static void AddToStack(ScratchProject project, string stack, string key, string value) =>
        EditStack(project, stack, "config:\n", $"config:\n  {key}: {value}\n");

    /// <summary>Adopts an existing entrypoint the way validation requires: its id and the rules to keep (none).</summary>
    public static void AdoptInStack(ScratchProject project, string stack, string rulesetId) =>
        EditStack(project, stack, "config:\n", $"config:\n  {ConfigKeys.RateLimitRulesetId}: {rulesetId}\n  {ConfigKeys.RateLimitKeptRules}: \"[]\"\n");
}
