namespace VoiceEdge.Infra.Settings;

/// <summary>One thing wrong with a stack's config, phrased so the user can fix it.</summary>
public sealed record ConfigProblem(string Source, string Key, string Problem, string Fix)
{
    public override string ToString() =>
        $"{Source}: {ConfigText.Show(Key)}: {ConfigText.Printable(Problem)}; {ConfigText.Printable(Fix)}";
}

public sealed class InvalidConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
