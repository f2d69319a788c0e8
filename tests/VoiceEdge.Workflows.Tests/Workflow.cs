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

    public static IReadOnlyList<Workflow> All() =>
        Directory.EnumerateFiles(Repo.Path(".github", "workflows"), "*.yml").Select(f => new Workflow(System.IO.Path.GetFileName(f))).OrderBy(w => w.Name).ToList();

    /// <summary>Any YAML file of the repository (the composite action, the manifest), as its root mapping.</summary>
    public static YamlMappingNode LoadYaml(params string[] path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Repo.Path(path))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>A node's YAML text (to find expressions such as secret references anywhere in a job).</summary>
    public static string Text(YamlNode node) =>
        new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(new YamlStream(new YamlDocument(node)).Documents[0].RootNode);

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
}
