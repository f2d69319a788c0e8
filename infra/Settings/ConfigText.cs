using System.Text;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// How a value from a stack file is shown in a message: control characters escaped (a value must not rewrite the
/// user's terminal or split one problem into several lines) and long values cut, with their length given.
/// </summary>
public static class ConfigText
{
    public const int MaxShown = 80;

    public static string Show(string value)
    {
        var cut = value.Length > MaxShown;
        var sb = new StringBuilder();
        foreach (var c in cut ? value[..MaxShown] : value)
        {
            if (char.IsControl(c)) sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        if (cut) sb.Append($"... ({value.Length} characters)");
        return sb.ToString();
    }

    /// <summary>Escapes control characters only; for text voice-edge wrote itself around shown values.</summary>
    public static string Printable(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : text;
}
