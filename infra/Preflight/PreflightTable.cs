using System.Text;

namespace VoiceEdge.Infra.Preflight;

/// <summary>Prints the checks as a table: result, check, detail, and under each failure the line that fixes it.</summary>
public static class PreflightTable
{
    public static string Write(string stack, IReadOnlyList<CheckResult> rows, SecretRedactor redactor)
    {
        var nameWidth = Math.Max("CHECK".Length, rows.Max(r => r.Name.Length));
        var text = new StringBuilder();
        text.Append("voice-edge preflight: stack ").Append(stack).Append('\n');
        text.Append("RESULT  ").Append("CHECK".PadRight(nameWidth)).Append("  DETAIL\n");
        foreach (var row in rows)
        {
            var result = row.Outcome switch
            {
                CheckOutcome.Pass => "pass",
                CheckOutcome.Fail => "FAIL",
                _ => "skip",
            };
            text.Append(result.PadRight(8)).Append(row.Name.PadRight(nameWidth)).Append("  ").Append(OneLine(row.Detail)).Append('\n');
            if (row.Outcome == CheckOutcome.Fail && row.Fix is { } fix)
                text.Append(new string(' ', 8 + nameWidth + 2)).Append("fix: ").Append(OneLine(fix)).Append('\n');
        }
        var failed = rows.Count(r => r.Outcome == CheckOutcome.Fail);
        var skipped = rows.Count(r => r.Outcome == CheckOutcome.Skip);
        text.Append(failed == 0
            ? $"all {rows.Count - skipped} checks passed{(skipped > 0 ? $" ({skipped} skipped)" : "")}\n"
            : $"{failed} of {rows.Count} checks failed; fix them before `pulumi up`\n");
        return redactor.Redact(text.ToString());
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
