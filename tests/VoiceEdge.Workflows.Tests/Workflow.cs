using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Workflows.Tests;

/// <summary>A parsed GitHub Actions workflow, navigated by structure (jobs, steps, with, run), never by grepping text.</summary>
public sealed class Workflow
{
    public YamlMappingNode Root { get; }
    public string Name { get; }

    public Workflow(string file)
    {
        Name = file;
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Repo.Path(".github", "workflows", file))));
        Root = (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public YamlMappingNode On => (YamlMappingNode)Root["on"];

    public IReadOnlyDictionary<string, YamlMappingNode> Jobs =>
        ((YamlMappingNode)Root["jobs"]).Children.ToDictionary(kv => kv.Key.ToString(), kv => (YamlMappingNode)kv.Value);

    public static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue("steps", out var steps) ? ((YamlSequenceNode)steps).Cast<YamlMappingNode>() : [];

    public static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(key, out var next)) return null;
            current = next;
        }
        return (current as YamlScalarNode)?.Value;
    }

    public static IEnumerable<YamlMappingNode> PulumiSteps(YamlMappingNode job) =>
        Steps(job).Where(s => Scalar(s, "uses")?.StartsWith("pulumi/actions@", StringComparison.Ordinal) == true);

    public static IEnumerable<string> Runs(YamlMappingNode job) => Steps(job).Select(s => Scalar(s, "run")).OfType<string>();
}

public static class Repo
{
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Committed stacks from stacks/environments.yaml: name -> (deploy, drift).</summary>
    public static IReadOnlyDictionary<string, (string Deploy, bool Drift)> Environments()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path("stacks", "environments.yaml"))));
        var list = (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["environments"];
        return list.Cast<YamlMappingNode>().ToDictionary(
            e => e["name"].ToString(),
            e => (e["deploy"].ToString(), e["drift"].ToString() == "true"));
    }
}
