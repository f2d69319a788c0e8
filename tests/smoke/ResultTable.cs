using System.Text;

namespace VoiceEdge.Smoke;

public static class ResultTable
{
    public static string Render(IReadOnlyList<CheckResult> results)
    {
        var width = results.Max(r => r.Name.Length);
        var sb = new StringBuilder();
        sb.Append("check".PadRight(width)).Append("  result  detail\n");
        sb.Append(new string('-', width)).Append("  ------  ------\n");
        foreach (var r in results)
            sb.Append(r.Name.PadRight(width)).Append("  ").Append(r.Outcome.ToString().ToUpperInvariant().PadRight(6)).Append("  ").Append(r.Detail).Append('\n');
        var failed = results.Count(r => r.Outcome == Outcome.Fail);
        sb.Append($"{results.Count(r => r.Outcome == Outcome.Pass)} passed, {failed} failed, {results.Count(r => r.Outcome == Outcome.Skip)} skipped\n");
        return sb.ToString();
    }
}
