using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// The stacks of a project folder: the committed Pulumi.&lt;stack&gt;.yaml files, and pull-request preview stacks
/// (pr-&lt;number&gt;) rendered from stacks/preview.template.yaml when no stack file exists for them.
/// </summary>
public sealed partial class StackCatalog(string projectDir)
{
    public const string PreviewTemplatePath = "stacks/preview.template.yaml";

    public string ProjectDir { get; } = projectDir;

    public IReadOnlyList<string> CommittedStackNames() =>
        [.. Directory.EnumerateFiles(ProjectDir, "Pulumi.*.yaml")
            .Select(Path.GetFileName)
            .Select(f => f![7..^5])
            .Where(n => n.Length > 0)
            .Order(StringComparer.Ordinal)];

    public IReadOnlyList<StackConfig> CommittedStacks() =>
        [.. CommittedStackNames().Select(n => StackConfigSources.FromStackFile(ProjectDir, n))];

    /// <summary>A stack's config for offline use: its stack file, else the preview template for pr-N stacks.</summary>
    public StackConfig Load(string stack)
    {
        if (!StackNamePattern().IsMatch(stack))
            throw new ConfigFileException($"`{stack}` is not a stack name (letters, digits, `-`, `_`, `.`)");
        if (File.Exists(Path.Combine(ProjectDir, StackConfigSources.StackFileName(stack))) || !PreviewStackPattern().IsMatch(stack))
            return StackConfigSources.FromStackFile(ProjectDir, stack);
        return FromPreviewTemplate(stack);
    }

    public IReadOnlyList<StackConfig> OthersThan(string stack) =>
        [.. CommittedStacks().Where(s => s.StackName != stack)];

    /// <summary>The template's plain config, with every key of secretsFromEnvironment present as a secret.</summary>
    public StackConfig FromPreviewTemplate(string stack)
    {
        var path = Path.Combine(ProjectDir, PreviewTemplatePath);
        if (!File.Exists(path))
            throw new ConfigFileException($"{PreviewTemplatePath}: not found; preview stacks are rendered from it");
        var text = File.ReadAllText(path);
        var plain = StackConfigSources.FromYaml(stack, PreviewTemplatePath, text);
        var values = new Dictionary<string, ConfigValue>(plain.Values);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents[0].RootNode is YamlMappingNode root
            && root.Children.TryGetValue(new YamlScalarNode("secretsFromEnvironment"), out var secrets)
            && secrets is YamlMappingNode secretMap)
        {
            foreach (var key in secretMap.Children.Keys.OfType<YamlScalarNode>())
                values[key.Value!] = ConfigValue.Secure();
        }
        return new StackConfig(stack, PreviewTemplatePath, values);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")] private static partial Regex StackNamePattern();
    [GeneratedRegex("^pr-[0-9]+$")] private static partial Regex PreviewStackPattern();
}
