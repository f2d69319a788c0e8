using System.Globalization;
using System.Text.RegularExpressions;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;

namespace VoiceEdge.Infra.Contracts;

public enum ChangeKind { Create, Update, Replace, Delete }

/// <summary>
/// One resource's planned change between two renders of the program, with the inputs that changed and, for a
/// replacement, the provider rule that forces it.
/// </summary>
public sealed record ResourceChange(string Name, string TypeToken, ChangeKind Kind, IReadOnlyList<string> ChangedInputs, IReadOnlyList<string> Because)
{
    public bool Protected { get; init; }

    /// <summary>The program deletes the old resource before creating its replacement (<c>deleteBeforeReplace</c>).</summary>
    public bool DeleteBeforeReplace { get; init; }

    /// <summary>Inputs whose in-place update interrupts service (<see cref="ProviderContract.Disruptive"/>).</summary>
    public IReadOnlyList<DisruptiveUpdate> Disruptions { get; init; } = [];
}

/// <summary>
/// What changed outside the program text between the two renders: secrets whose values were rotated (the program
/// only references them) and files read with <c>readFile</c> whose content changed (the program names only the path).
/// </summary>
public sealed record OutsideChanges(IReadOnlySet<string> RotatedSecrets, IReadOnlySet<string> ChangedFiles)
{
    public static readonly OutsideChanges None = new(new HashSet<string>(), new HashSet<string>());
}

/// <summary>
/// Classifies each resource of a changed program as Pulumi would plan it, from the provider contracts: an input that
/// changed at or below a <see cref="ProviderContract.ForcesReplacement"/> path replaces the resource, any other change
/// updates it in place. Changes travel through references: a reference to a rotated secret counts as changed, and so
/// does a reference to any output of a replaced resource (its id and everything derived from it are new), except
/// its <c>name</c> when the program sets that name. <c>ignoreChanges</c> paths are left out, as Pulumi leaves them.
/// </summary>
public static partial class ProgramDiff
{
    private const string Dirty = "\u0000changed";

    public static IReadOnlyList<ResourceChange> Between(PulumiProgram before, PulumiProgram after, OutsideChanges? outside = null)
    {
        outside ??= OutsideChanges.None;
        var old = before.Resources.ToDictionary(r => r.Name);
        var replaced = new HashSet<string>();
        List<ResourceChange> changes;
        while (true)
        {
            changes = [];
            foreach (var r in after.Resources)
            {
                if (!old.TryGetValue(r.Name, out var was) || was.Args.TypeToken != r.Args.TypeToken)
                {
                    changes.Add(new(r.Name, r.Args.TypeToken, ChangeKind.Create, [], ["new in the program"]));
                    continue;
                }
                var change = Classify(was, r, after, replaced, outside);
                if (change is not null) changes.Add(change);
            }
            var now = changes.Where(c => c.Kind is ChangeKind.Replace or ChangeKind.Create).Select(c => c.Name).ToHashSet();
            if (now.SetEquals(replaced)) break;
            replaced = now;
        }
        var names = after.Resources.Select(r => r.Name).ToHashSet();
        changes.AddRange(before.Resources.Where(r => !names.Contains(r.Name))
            .Select(r => new ResourceChange(r.Name, r.Args.TypeToken, ChangeKind.Delete, [], ["no longer in the program"])));
        return changes;
    }

    private static ResourceChange? Classify(Resource was, Resource now, PulumiProgram after, HashSet<string> replaced, OutsideChanges outside)
    {
        var a = Flatten(was.Args);
        var b = Flatten(now.Args);
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in a.Keys.Union(b.Keys))
        {
            var before = a.GetValueOrDefault(path);
            var value = b.GetValueOrDefault(path);
            if (before != value || (value is not null && Touched(path, value, after, replaced, outside)))
                changed.Add(InputPath(path));
        }
        changed.RemoveWhere(p => now.Options.IgnoreChanges.Any(i => p == i || p.StartsWith(i + ".", StringComparison.Ordinal)));
        if (changed.Count == 0) return null;

        var contract = ProviderContractTable.For(now.Args.TypeToken)
            ?? throw new InvalidOperationException($"{now.Name} is a {now.Args.TypeToken}, which has no entry in the provider contract table");
        var forced = changed.Select(contract.Replaces).OfType<ForcesReplacement>().Distinct().ToList();
        // The program's own replaceOnChanges: Pulumi replaces on a change under any listed path, `*` for any
        // (pulumi/pulumi v3.259.0 pkg/resource/deploy/step_generator.go:3115-3212, properties_path.go:314-339).
        var byOption = changed.Where(p => now.Options.ReplaceOnChanges.Any(r => r == "*" || p == r || p.StartsWith(r + ".", StringComparison.Ordinal))).ToList();
        var kind = forced.Count > 0 || byOption.Count > 0 ? ChangeKind.Replace : ChangeKind.Update;
        return new ResourceChange(now.Name, now.Args.TypeToken, kind, [.. changed],
            [.. forced.Select(f => $"{f.Input}: {f.Source}"), .. byOption.Count > 0 ? [$"replaceOnChanges: {string.Join(", ", now.Options.ReplaceOnChanges)} (the program)"] : Array.Empty<string>()])
        {
            Protected = now.Options.Protect,
            DeleteBeforeReplace = now.Options.DeleteBeforeReplace,
            Disruptions = kind == ChangeKind.Update ? [.. changed.Select(contract.Disrupts).OfType<DisruptiveUpdate>().Distinct()] : [],
        };
    }

    /// <summary>Whether a leaf that reads the same text still changes: it references a rotated secret, a replaced resource's output, or a changed file.</summary>
    private static bool Touched(string path, string value, PulumiProgram after, HashSet<string> replaced, OutsideChanges outside)
    {
        if (path.EndsWith("fn::readFile", StringComparison.Ordinal) && outside.ChangedFiles.Contains(value)) return true;
        foreach (Match m in Reference().Matches(value.Replace("$$", "", StringComparison.Ordinal)))
        {
            var target = m.Groups["target"].Value;
            var property = m.Groups["property"].Success ? m.Groups["property"].Value : null;
            if (property is null && outside.RotatedSecrets.Contains(target)) return true;
            if (property is not null && replaced.Contains(target)
                && !(property == "name" && after.Resources.FirstOrDefault(r => r.Name == target) is { } t && AutoNameCheck.ExplicitName(t.Args) is not null))
                return true;
        }
        return false;
    }

    /// <summary>The input path a replacement rule names: list indices and <c>fn::</c> wrappers removed.</summary>
    public static string InputPath(string leafPath) =>
        string.Join('.', Index().Replace(leafPath, "").Split('.').Where(s => !s.StartsWith("fn::", StringComparison.Ordinal)));

    /// <summary>Every leaf of a resource's rendered inputs: <c>path -> text</c> (<c>bindings[3].text</c>).</summary>
    public static Dictionary<string, string> Flatten(ResourceArgs args)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(ValueTree.OfArgs(args), "", leaves);
        return leaves;
    }

    private static void Walk(object? node, string path, Dictionary<string, string> leaves)
    {
        switch (node)
        {
            case null:
                return;
            case List<KeyValuePair<string, object?>> map:
                foreach (var (key, value) in map) Walk(value, path.Length == 0 ? key : $"{path}.{key}", leaves);
                return;
            case List<object?> list:
                for (var i = 0; i < list.Count; i++) Walk(list[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", leaves);
                if (list.Count == 0) leaves[path] = "[]";
                return;
            case bool b:
                leaves[path] = b ? "true" : "false";
                return;
            case IFormattable f:
                leaves[path] = f.ToString(null, CultureInfo.InvariantCulture);
                return;
            default:
                leaves[path] = node.ToString() ?? "";
                return;
        }
    }

    [GeneratedRegex(@"\$\{(?<target>[A-Za-z_][A-Za-z0-9_]*)(\.(?<property>[^}]+))?\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();
}
