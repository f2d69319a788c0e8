using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>The committed stacks and the preview template, read and built the way the CLI does.</summary>
public static class Stacks
{
    public static readonly StackCatalog Catalog = new(Repo.Root);

    public static StackSettings Settings(string stack) => SettingsReader.Read(Catalog.Load(stack), Catalog.OthersThan(stack));

    public static PulumiProgram Program(string stack) => StackProgramBuilder.Build(Settings(stack), new FixedArtifacts());

    public static string Yaml(string stack) => YamlProgramWriter.Write(Program(stack));

    /// <summary>A committed stack's config with some keys changed (null removes the key).</summary>
    public static StackConfig Edited(string stack, params (string Key, string? Value)[] edits) => Edited(Catalog.Load(stack), edits);

    /// <summary>A stack config with some keys changed (null removes the key).</summary>
    public static StackConfig Edited(StackConfig config, params (string Key, string? Value)[] edits)
    {
        var values = new Dictionary<string, ConfigValue>(config.Values);
        foreach (var (key, value) in edits)
        {
            if (value is null) values.Remove(key);
            else values[key] = ConfigValue.Plain(value);
        }
        return config with { Values = values };
    }

    public static IReadOnlyList<ConfigProblem> Problems(StackConfig config, IReadOnlyList<StackConfig>? others = null)
    {
        try
        {
            SettingsReader.Read(config, others ?? Catalog.OthersThan(config.StackName));
            return [];
        }
        catch (InvalidConfigException e)
        {
            return e.Problems;
        }
    }
}
