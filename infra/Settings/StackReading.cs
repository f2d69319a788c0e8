namespace VoiceEdge.Infra.Settings;

/// <summary>
/// One stack read on its own: the settings (where a value was invalid, the key's default stands in), the
/// problems found, and which keys they were about, so the rules between stacks use only valid values.
/// </summary>
public sealed record StackReading(StackSettings Settings, string Source, IReadOnlyList<ConfigProblem> Problems, IReadOnlySet<string> InvalidKeys)
{
    public bool Valid(params ConfigKey[] keys) => keys.All(k => !InvalidKeys.Contains(k));
}
