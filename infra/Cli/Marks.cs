using VoiceEdge.Infra.Rendering;

namespace VoiceEdge.Infra.Cli;

/// <summary>The plan's --added/--changed/--removed lists (each repeatable and comma-separated) as one map.</summary>
public static class Marks
{
    public static IReadOnlyDictionary<string, ResourceChange> From(string[]? added, string[]? changed, string[]? removed)
    {
        var marks = new Dictionary<string, ResourceChange>(StringComparer.Ordinal);
        void Add(string[]? lists, ResourceChange change)
        {
            foreach (var name in (lists ?? []).SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                marks[name] = change;
        }
        Add(added, ResourceChange.Added);
        Add(changed, ResourceChange.Changed);
        Add(removed, ResourceChange.Removed);
        return marks;
    }
}
