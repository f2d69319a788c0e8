using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static VoiceEdge.Workflows.Tests.Workflow;

namespace VoiceEdge.Workflows.Tests;

/// <summary>One run of a job as GitHub would start it: one matrix combination, one set of workflow_dispatch inputs.</summary>
public sealed record JobInstance(Workflow Workflow, string Id, YamlMappingNode Job, IReadOnlyDictionary<string, string> Matrix, IReadOnlyDictionary<string, string> Inputs)
{
    public override string ToString() =>
        $"{Workflow.Name} job '{Id}'" + (Matrix.Count + Inputs.Count == 0 ? "" : $" ({string.Join(", ", Matrix.Concat(Inputs).Select(kv => $"{kv.Key}={kv.Value}"))})");
}

/// <summary>What a pulumi command does to a stack's lock: Read (preview, refresh --preview-only) or Write.</summary>
public enum StackAccess { None, Read, Write }

/// <summary>
/// The parts of GitHub Actions' behaviour these workflows depend on, evaluated the way GitHub does:
/// - a dynamic matrix (`fromJSON(needs.J.outputs.O)`) is what job J's step writes to $GITHUB_OUTPUT: the model runs
///   that step (it only reads the repository) and expands the matrix from its output;
/// - `jobs.&lt;id&gt;.permissions` replaces the workflow's `permissions` entirely
///   (https://docs.github.com/actions/using-jobs/assigning-permissions-to-jobs); `id-token: write` is what lets a
///   job request an OIDC token (https://docs.github.com/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect);
/// - a job sees an environment's secrets only when it names that environment, and every job naming an environment
///   with required reviewers waits for a reviewer (https://docs.github.com/actions/deployment/targeting-different-environments/using-environments-for-deployment);
///   the environments are those stacks/environments.yaml declares, and the repository itself holds no secrets;
/// - cancel-in-progress at workflow level cancels every job of the older run; at job level, that job; and a newly
///   queued run cancels the *pending* one of its concurrency group
///   (https://docs.github.com/actions/using-jobs/using-concurrency).
/// </summary>
public static partial class GitHubModel
{
    private static readonly ConcurrentDictionary<string, Dictionary<string, string>?> OutputCache = new();

    /// <summary>workflow_dispatch inputs the model tries: every committed stack, a preview stack, and values that must be refused.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, string>> DispatchInputs(Workflow wf)
    {
        if (wf.On.Children.TryGetValue("workflow_dispatch", out var dispatch) && dispatch is YamlMappingNode d
            && d.Children.TryGetValue("inputs", out var inputs) && inputs is YamlMappingNode map && map.Children.Count > 0)
        {
            var names = map.Children.Keys.Select(k => k.ToString()).ToList();
            foreach (var value in Manifest.Load().Stacks.Select(s => s.Name).Append("pr-7").Append("staging").Append("dev; rm -rf /"))
                yield return names.ToDictionary(n => n, _ => value);
        }
        else
        {
            yield return new Dictionary<string, string>();
        }
    }

    public static IEnumerable<JobInstance> Instances(Workflow wf)
    {
        foreach (var (id, job) in wf.Jobs)
            foreach (var inputs in DispatchInputs(wf))
                foreach (var matrix in Matrix(wf, job, inputs))
                    yield return new JobInstance(wf, id, job, matrix, inputs);
    }

    public static IEnumerable<JobInstance> AllInstances() => Workflow.All().SelectMany(Instances);

    private static IEnumerable<IReadOnlyDictionary<string, string>> Matrix(Workflow wf, YamlMappingNode job, IReadOnlyDictionary<string, string> inputs)
    {
        if (!job.Children.TryGetValue("strategy", out var strategy) || strategy is not YamlMappingNode s || !s.Children.TryGetValue("matrix", out var matrix))
            return [new Dictionary<string, string>()];
        if (matrix is YamlScalarNode expression)
            return FromMatrixObject(JsonDocument.Parse(Evaluate(wf, expression.Value!, new Dictionary<string, string>(), inputs)).RootElement);
        var combos = new List<Dictionary<string, string>> { new() };
        foreach (var (key, values) in ((YamlMappingNode)matrix).Children)
        {
            if (key.ToString() is "include" or "exclude") throw new NotSupportedException("the model expands include/exclude only in a fromJSON matrix");
            var list = values is YamlSequenceNode seq
                ? seq.Select(v => v.ToString()).ToList()
                : JsonDocument.Parse(Evaluate(wf, values.ToString(), new Dictionary<string, string>(), inputs)).RootElement.EnumerateArray().Select(e => e.ToString()).ToList();
            combos = [.. combos.SelectMany(c => list.Select(v => new Dictionary<string, string>(c) { [key.ToString()] = v }))];
        }
        return combos;
    }

    private static List<IReadOnlyDictionary<string, string>> FromMatrixObject(JsonElement matrix)
    {
        if (matrix.ValueKind != JsonValueKind.Object) throw new InvalidOperationException($"a matrix must be an object, got {matrix}");
        var result = new List<IReadOnlyDictionary<string, string>>();
        if (matrix.TryGetProperty("include", out var include))
            foreach (var entry in include.EnumerateArray())
                result.Add(entry.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString()));
        return result;
    }

    /// <summary>Substitutes every ${{ }} GitHub would: matrix.*, inputs.*, needs.J.outputs.O, fromJSON(...) of those.</summary>
    public static string Evaluate(Workflow wf, string text, IReadOnlyDictionary<string, string> matrix, IReadOnlyDictionary<string, string> inputs) =>
        ExpressionPattern().Replace(text, m =>
        {
            var expr = m.Groups[1].Value.Trim();
            if (FromJson().Match(expr) is { Success: true } f) expr = f.Groups[1].Value.Trim();
            if (expr.StartsWith("matrix.", StringComparison.Ordinal))
                return matrix.TryGetValue(expr["matrix.".Length..], out var v) ? v : throw new InvalidOperationException($"{wf.Name}: no {expr} in the matrix");
            if (expr.StartsWith("inputs.", StringComparison.Ordinal))
                return inputs.TryGetValue(expr["inputs.".Length..], out var v) ? v : "";
            if (NeedsOutput().Match(expr) is { Success: true } n)
                return JobOutput(wf, n.Groups[1].Value, n.Groups[2].Value, inputs) ?? "";
            return m.Value;
        });

    /// <summary>A job's output, by running the step that writes it (steps that compute outputs only read the repository).</summary>
    private static string? JobOutput(Workflow wf, string jobId, string output, IReadOnlyDictionary<string, string> inputs)
    {
        var job = wf.Jobs[jobId];
        var source = Scalar(job, "outputs", output) ?? throw new InvalidOperationException($"{wf.Name}: job {jobId} has no output {output}");
        var step = StepOutput().Match(source);
        if (!step.Success) throw new InvalidOperationException($"{wf.Name}: the model reads outputs of steps only, not '{source}'");
        var key = $"{Repo.Root}|{wf.Name}|{jobId}|{step.Groups[1].Value}|{string.Join(",", inputs.Select(kv => kv.Key + "=" + kv.Value))}";
        var outputs = OutputCache.GetOrAdd(key, _ => RunStep(wf, Steps(job).Single(s => Scalar(s, "id") == step.Groups[1].Value), inputs));
        return outputs?.GetValueOrDefault(step.Groups[2].Value);
    }

    /// <summary>Runs a `run` step as the runner would (bash -e, $GITHUB_OUTPUT); null when it fails.</summary>
    private static Dictionary<string, string>? RunStep(Workflow wf, YamlMappingNode runStep, IReadOnlyDictionary<string, string> inputs)
    {
        var file = Path.GetTempFileName();
        var script = Path.GetTempFileName();
        try
        {
            File.WriteAllText(script, Scalar(runStep, "run"));
            var env = new Dictionary<string, string?> { ["GITHUB_OUTPUT"] = file };
            if (runStep.Children.TryGetValue("env", out var stepEnv))
                foreach (var (k, v) in (YamlMappingNode)stepEnv) env[k.ToString()] = Evaluate(wf, v.ToString(), new Dictionary<string, string>(), inputs);
            if (Shell.Run("bash", $"-e {script}", env).Exit != 0) return null;
            return File.ReadAllLines(file).Where(l => l.Contains('=', StringComparison.Ordinal))
                .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        }
        finally
        {
            File.Delete(file);
            File.Delete(script);
        }
    }

    /// <summary>False when a job this one needs fails for these inputs (its output step exits non-zero), so this one never starts.</summary>
    public static bool Starts(JobInstance job)
    {
        foreach (var need in Needs(job.Job))
        {
            var producer = job.Workflow.Jobs[need];
            if (!producer.Children.TryGetValue("outputs", out var outputs)) continue;
            foreach (var (name, _) in (YamlMappingNode)outputs)
                if (JobOutput(job.Workflow, need, name.ToString(), job.Inputs) is null) return false;
        }
        return true;
    }

    public static IEnumerable<string> Needs(YamlMappingNode job) => !job.Children.TryGetValue("needs", out var needs) ? [] : needs switch
    {
        YamlSequenceNode s => s.Select(n => n.ToString()),
        var n => [n.ToString()],
    };

    /// <summary>The environment the job names, evaluated; null when it names none.</summary>
    public static string? Environment(JobInstance job)
    {
        if (!job.Job.Children.TryGetValue("environment", out var env)) return null;
        var name = env is YamlMappingNode m ? m["name"].ToString() : env.ToString();
        return Evaluate(job.Workflow, name, job.Matrix, job.Inputs);
    }

    public static IReadOnlySet<string> SecretsReferenced(JobInstance job) =>
        SecretReference().Matches(Text(job.Job)).Select(m => m.Groups[1].Value).Where(s => s != "GITHUB_TOKEN").ToHashSet();

    /// <summary>Effective permissions: the job's block replaces the workflow's; none at all means the repository default.</summary>
    public static IReadOnlyDictionary<string, string> Permissions(JobInstance job)
    {
        var node = job.Job.Children.TryGetValue("permissions", out var own) ? own
            : job.Workflow.Root.Children.TryGetValue("permissions", out var wf) ? wf : null;
        return node switch
        {
            YamlMappingNode map => map.Children.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.ToString()),
            YamlScalarNode { Value: "write-all" } => new Dictionary<string, string> { ["*"] = "write", ["id-token"] = "write" },
            _ => new Dictionary<string, string>(),
        };
    }

    public static bool CanMintOidcToken(JobInstance job) => Permissions(job).TryGetValue("id-token", out var v) && v == "write";

    /// <summary>Steps that log in with OIDC (azure/login with a client id, no secret) or have the Azure provider use it.</summary>
    public static bool UsesOidc(JobInstance job) =>
        Steps(job.Job).Any(s => Scalar(s, "uses")?.StartsWith("azure/login@", StringComparison.Ordinal) == true)
        || Scalar(job.Job, "env", "ARM_USE_OIDC") == "true";

    public static (string? Group, bool CancelInProgress) Concurrency(JobInstance job)
    {
        var workflowCancels = Scalar(job.Workflow.Root, "concurrency", "cancel-in-progress") == "true";
        var group = job.Job.Children.TryGetValue("concurrency", out var c)
            ? c is YamlMappingNode m ? Scalar(m, "group") : c.ToString()
            : null;
        var jobCancels = Scalar(job.Job, "concurrency", "cancel-in-progress") == "true";
        return (group is null ? null : Evaluate(job.Workflow, group, job.Matrix, job.Inputs), workflowCancels || jobCancels);
    }

    /// <summary>What the job's pulumi commands do to stacks: run lines, the repository scripts they call, and pulumi/actions commands.</summary>
    public static StackAccess Access(JobInstance job)
    {
        var access = StackAccess.None;
        foreach (var step in Steps(job.Job))
        {
            if (Scalar(step, "uses")?.StartsWith("pulumi/actions@", StringComparison.Ordinal) == true && Scalar(step, "with", "command") is { } command)
                access = Max(access, command is "preview" ? StackAccess.Read : StackAccess.Write);
            if (Scalar(step, "run") is not { } run) continue;
            var scripts = ScriptReference().Matches(run).Select(m => Repo.Path(m.Value.Split('/'))).Where(File.Exists)
                .SelectMany(File.ReadAllLines).Where(l => !l.TrimStart().StartsWith('#'));
            var text = run + "\n" + string.Join("\n", scripts);
            foreach (Match m in PulumiCommand().Matches(text))
            {
                var line = text[m.Index..].Split('\n')[0];
                access = Max(access, m.Groups[1].Value switch
                {
                    "preview" => StackAccess.Read,
                    "refresh" when line.Contains("--preview-only", StringComparison.Ordinal) => StackAccess.Read,
                    _ => StackAccess.Write,
                });
            }
        }
        return access;
    }

    private static StackAccess Max(StackAccess a, StackAccess b) => a > b ? a : b;

    [GeneratedRegex(@"\$\{\{(.*?)\}\}")]
    private static partial Regex ExpressionPattern();

    [GeneratedRegex(@"^fromJSON\((.*)\)$")]
    private static partial Regex FromJson();

    [GeneratedRegex(@"^needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$")]
    private static partial Regex NeedsOutput();

    [GeneratedRegex(@"^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}$")]
    private static partial Regex StepOutput();

    [GeneratedRegex(@"secrets\.([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"\.github/scripts/[A-Za-z0-9._-]+")]
    private static partial Regex ScriptReference();

    [GeneratedRegex(@"(?m)(?:^|[|;&(])\s*pulumi\s+(up|update|preview|refresh|destroy|cancel|import)\b")]
    private static partial Regex PulumiCommand();
}
