using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Workflows.Tests;

public sealed record StackEntry(string Name, string Deploy, string Environment, string ReadEnvironment, bool Drift);

/// <summary>A GitHub environment as the repository's settings must hold it.</summary>
public sealed record GitHubEnvironment(string Name, bool RequiresReviewers, string Branches, IReadOnlySet<string> Secrets);

/// <summary>
/// stacks/environments.yaml read with YamlDotNet, independently of .github/scripts/stacks.py (the workflows' reader),
/// so the two can be compared. Its `environments` section is the model of the repository's GitHub settings.
/// </summary>
public sealed record Manifest(IReadOnlyList<StackEntry> Stacks, string PreviewEnvironment, IReadOnlyDictionary<string, GitHubEnvironment> Environments)
{
    public static Manifest Load(string? root = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(System.IO.Path.Combine(root ?? Repo.Root, "stacks", "environments.yaml"))));
        var doc = (YamlMappingNode)stream.Documents[0].RootNode;
        var stacks = ((YamlSequenceNode)doc["stacks"]).Cast<YamlMappingNode>().Select(s => new StackEntry(
            s["name"].ToString(), s["deploy"].ToString(), s["environment"].ToString(), s["readEnvironment"].ToString(),
            s["drift"].ToString() == "true")).ToList();
        var environments = ((YamlSequenceNode)doc["environments"]).Cast<YamlMappingNode>().Select(e => new GitHubEnvironment(
            e["name"].ToString(), e["reviewers"].ToString() == "required", e["branches"].ToString(),
            ((YamlSequenceNode)e["secrets"]).Select(n => n.ToString()).ToHashSet())).ToDictionary(e => e.Name);
        return new Manifest(stacks, doc["previewStacks"]["environment"].ToString(), environments);
    }

    public StackEntry Stack(string name) => Stacks.Single(s => s.Name == name);
}
