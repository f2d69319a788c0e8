using System.Text.Json;
using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Artifacts;

/// <summary>
/// The Worker's runtime settings as wrangler reads them (worker-src/wrangler.jsonc: JSON with comments), so the
/// deployed script gets the compatibility date and flags its tests ran under in workerd, from one place.
/// </summary>
public sealed partial record WranglerRuntime(string CompatibilityDate, IReadOnlyList<string> CompatibilityFlags)
{
    private static readonly JsonDocumentOptions Jsonc = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static WranglerRuntime Read(string path, string shownPath)
    {
        if (!File.Exists(path))
            throw new ArtifactMissingException($"{shownPath} not found: the Worker's compatibility date and flags are read from it");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), Jsonc);
            var root = doc.RootElement;
            var date = root.TryGetProperty("compatibility_date", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            if (!DatePattern().IsMatch(date))
                throw new ArtifactMissingException($"{shownPath}: compatibility_date must be a date such as 2025-11-01");
            var flags = root.TryGetProperty("compatibility_flags", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new ArtifactMissingException($"{shownPath}: compatibility_flags must be a list of names")).ToList()
                : [];
            return new WranglerRuntime(date, flags);
        }
        catch (JsonException e)
        {
            throw new ArtifactMissingException($"{shownPath}: not valid JSON with comments ({e.Message})");
        }
    }

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] private static partial Regex DatePattern();
}
