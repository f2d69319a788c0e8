using System.Globalization;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// One <c>pulumi up</c> after another of the relay's Run Command, as the three layers below the program handle it at
/// the pinned versions, so a test can see which runs of the install script happen and with which environment:
/// <list type="bullet">
/// <item><b>Pulumi's engine</b> (pulumi/pulumi v3.259.0 <c>pkg/resource/deploy/step_generator.go</c>): no recorded
/// state: create. A changed ForceNew input (the name) replaces; with <c>replaceOnChanges: ["*"]</c> any change, and
/// init errors left by an earlier failed attempt, replace too (lines 1944-1947, 3183-3203). A replacement of an
/// auto-named resource gets a new random name (lines 2004-2023). Create before delete, unless
/// <c>deleteBeforeReplace</c>. Other changes update in place; unchanged inputs with init errors get an empty update
/// (lines 2178-2193), which the bridge answers without calling Azure (no diff).</item>
/// <item><b>The provider</b> (terraform-provider-azurerm v4.80.0
/// <c>internal/services/compute/virtual_machine_run_command_resource.go</c>): Create refuses a name that already
/// exists (import check, lines 372-382), PUTs every parameter and protected parameter (384-404), and when the
/// script fails returns an error with no id (<c>SetIDCallback</c> is off by default), so Pulumi records nothing
/// (pulumi-terraform-bridge v3.134.0 <c>pkg/tfshim/sdk-v2/provider2.go</c> 748-750). Update PUTs back the GET,
/// which has no protected parameters (Read, 421), with parameters and protected parameters replaced only when they
/// changed (513-573); a failed Update is recorded with the new inputs and init errors
/// (<c>pkg/tfbridge/provider.go</c> 1746-1793).</item>
/// <item><b>Azure</b>: a PUT runs the script with every named parameter as an environment variable; a script that
/// fails leaves its run command on the VM, Failed. A run command deleted and created again under the same name
/// does not run on Linux (MicrosoftDocs/azure-compute-docs#178, Microsoft's answer).</item>
/// </list>
/// The script fails like <c>run-command.sh</c> without <c>RELAY_SIGNING_KEY</c>, and for the next
/// <see cref="FailNextRuns"/> runs (a transient failure on the VM).
/// </summary>
public sealed class RunCommandApiStandIn
{
    /// <summary>The run command's inputs as the rendered program gives them, expressions resolved.</summary>
    public sealed record Goal(
        string? Name,
        IReadOnlyList<string> ReplaceOnChanges,
        bool DeleteBeforeReplace,
        IReadOnlyDictionary<string, string> Parameters,
        IReadOnlyDictionary<string, string> Protected,
        string Script);

    private sealed record OnVm(IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, string> Protected, bool Failed);

    private sealed record Recorded(string Name, Goal Inputs, bool InitErrors);

    private readonly Dictionary<string, OnVm> _onVm = [];
    private readonly HashSet<string> _deletedNames = [];
    private Recorded? _state;
    private int _autoNames;

    /// <summary>The environment of each script run, in order.</summary>
    public List<IReadOnlyDictionary<string, string>> Runs { get; } = [];

    /// <summary>What each <see cref="Up"/> reported: null for success, else the error.</summary>
    public List<string?> Results { get; } = [];

    /// <summary>The run commands on the VM, with whether each failed.</summary>
    public IReadOnlyDictionary<string, bool> OnVmFailed => _onVm.ToDictionary(kv => kv.Key, kv => kv.Value.Failed);

    /// <summary>The run command Pulumi's state records, if any.</summary>
    public string? RecordedName => _state?.Name;

    /// <summary>How many of the next script runs fail whatever their environment.</summary>
    public int FailNextRuns { get; set; }

    /// <summary>One <c>pulumi up</c>: returns null when it succeeded, else the error it reported.</summary>
    public string? Up(Goal goal)
    {
        var result = Plan(goal);
        Results.Add(result);
        return result;
    }

    private string? Plan(Goal goal)
    {
        if (_state is not { } old) return Create(goal, goal.Name ?? AutoName(), replacing: null);

        var changed = !SameInputs(old.Inputs, goal);
        var forceNew = goal.Name is not null && goal.Name != old.Name;
        var replaceAll = goal.ReplaceOnChanges.Contains("*");
        if (forceNew || (replaceAll && (changed || old.InitErrors)))
        {
            var name = goal.Name ?? AutoName();
            if (goal.DeleteBeforeReplace) { Delete(old.Name); _state = null; return Create(goal, name, replacing: null); }
            return Create(goal, name, replacing: old);
        }
        if (changed) return Update(old, goal);
        if (old.InitErrors) { _state = old with { InitErrors = false }; return null; } // empty update: no diff, no call
        return null;
    }

    private string? Create(Goal goal, string name, Recorded? replacing)
    {
        if (_onVm.ContainsKey(name))
            return $"A resource with the ID \".../runCommands/{name}\" already exists - to be managed via Terraform this resource needs to be imported into the State.";
        var env = Merge(goal.Parameters, goal.Protected);
        var reused = _deletedNames.Contains(name);
        var ok = reused || RunScript(env); // #178: the same name again after a delete does not run on Linux
        _onVm[name] = new OnVm(goal.Parameters, goal.Protected, Failed: !ok);
        if (!ok) return $"creating run command {name}: the script failed"; // no id: nothing recorded
        _state = new Recorded(name, goal with { Name = goal.Name }, InitErrors: false);
        if (replacing is not null) Delete(replacing.Name);
        return null;
    }

    private string? Update(Recorded old, Goal goal)
    {
        var fromGet = _onVm[old.Name] with { Protected = new Dictionary<string, string>() };
        var payload = fromGet with
        {
            Parameters = Same(old.Inputs.Parameters, goal.Parameters) ? fromGet.Parameters : goal.Parameters,
            Protected = Same(old.Inputs.Protected, goal.Protected) ? fromGet.Protected : goal.Protected,
        };
        var ok = RunScript(Merge(payload.Parameters, payload.Protected));
        _onVm[old.Name] = payload with { Failed = !ok };
        _state = new Recorded(old.Name, goal, InitErrors: !ok);
        return ok ? null : $"updating run command {old.Name}: the script failed";
    }

    private void Delete(string name)
    {
        _onVm.Remove(name);
        _deletedNames.Add(name);
    }

    private bool RunScript(Dictionary<string, string> env)
    {
        Runs.Add(env);
        if (FailNextRuns > 0) { FailNextRuns--; return false; }
        return env.ContainsKey("RELAY_SIGNING_KEY");
    }

    // The bridge's auto-name: logical name + 7 random hex digits (pulumi-terraform-bridge info/autonaming.go); a counter here.
    private string AutoName() => "relayInstall" + (++_autoNames).ToString("x7", CultureInfo.InvariantCulture);

    private static bool SameInputs(Goal a, Goal b) =>
        a.Name == b.Name && a.Script == b.Script && Same(a.Parameters, b.Parameters) && Same(a.Protected, b.Protected);

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        new(a.Concat(b));

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>The rendered run command's inputs with Pulumi's interpolations resolved from <paramref name="values"/>.</summary>
    public static IReadOnlyDictionary<string, string> Resolve(IEnumerable<VoiceEdge.Infra.Providers.RunCommandParameter> parameters, IReadOnlyDictionary<string, string> values) =>
        parameters.ToDictionary(p => p.Name, p => values.Aggregate(p.Value, (v, kv) => v.Replace(kv.Key, kv.Value, StringComparison.Ordinal)));
}
