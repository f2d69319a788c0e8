namespace VoiceEdge.Infra.Settings;

/// <summary>
/// What the real PersonaPlex server (NVIDIA/personaplex <c>moshi/moshi/server.py</c>, docs/architecture.md "The real
/// PersonaPlex server's contract") needs in the query of every call, checked on each voice backend that is PersonaPlex:
/// a URL whose path ends in <c>/api/chat</c>, the server's only WebSocket route. It reads <c>text_prompt</c> after the
/// upgrade and drops the call without it; any <c>seed</c> raises (it reads <c>request["seed"]</c>, not the query) until
/// a release carries NVIDIA/personaplex PR #75. The relay applies the same rules at start (relay/Hosting/PersonaPlexQuery.cs).
/// </summary>
internal static class PersonaPlexQueryRules
{
    public const string TextPrompt = "text_prompt";
    public const string Seed = "seed";
    public const string SeedBug = "PersonaPlex fails every call that carries `seed` (moshi/server.py reads request[\"seed\"] instead of the query: NVIDIA/personaplex PR #75 fixes it, not yet released)";
    public const string TextPromptExample = "You enjoy having a good conversation.";

    /// <summary>True for a PersonaPlex backend: its URL's path ends in /api/chat.</summary>
    public static bool IsPersonaPlex(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath.EndsWith("/api/chat", StringComparison.Ordinal);

    /// <summary>Checks backend <paramref name="i"/>'s query (its URL's own query and its defaultQuery); false when refused.</summary>
    public static bool Check(ConfigReader r, string source, int i, string url, IReadOnlyList<KeyValuePair<string, string>> defaultQuery, BackendPlace place)
    {
        if (!IsPersonaPlex(url)) return true;
        string key = place.Key;
        var at = place.Entry(i);
        var path = place.At(i);
        var urlKeys = new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Uri.UnescapeDataString(p.Split('=')[0])).ToList();
        var ok = true;
        if (defaultQuery.Any(q => q.Key == Seed))
        {
            r.Problem(key, $"{at} defaultQuery sets `seed`: {SeedBug}",
                $"delete `seed` from {path}.defaultQuery in {source} (or run `pulumi config rm --path '{path}.defaultQuery.seed' -s {r.StackName}`)");
            ok = false;
        }
        if (urlKeys.Contains(Seed, StringComparer.Ordinal))
        {
            r.Problem(key, $"{at} url carries `seed` in its query: {SeedBug}", $"remove `seed` from {path}.url in {source}");
            ok = false;
        }
        if (!defaultQuery.Any(q => q.Key == TextPrompt) && !urlKeys.Contains(TextPrompt, StringComparer.Ordinal))
        {
            r.Problem(key, $"{at} has no `defaultQuery.text_prompt`: PersonaPlex (a backend at /api/chat) drops every call without one (moshi/server.py reads request.query[\"text_prompt\"] after the upgrade)",
                $"add the agent's prompt under {path}.defaultQuery in {source}, e.g. `text_prompt: {TextPromptExample}` "
                + $"(or run `pulumi config set --path '{path}.defaultQuery.text_prompt' '{TextPromptExample}' -s {r.StackName}`)");
            ok = false;
        }
        return ok;
    }

    /// <summary>Refuses <c>seed</c> among the keys a caller may set when a backend is PersonaPlex (or none is valid yet).</summary>
    public static bool CheckCallerKeys(ConfigReader r, string source, IReadOnlyList<string> keys, IReadOnlyList<VoiceBackend> backends)
    {
        if (!keys.Contains(Seed, StringComparer.Ordinal)) return true;
        if (backends.Count > 0 && !backends.Any(b => IsPersonaPlex(b.Url))) return true;
        r.Problem(ConfigKeys.VoiceQueryKeys, $"lists `seed`: {SeedBug}, so a caller's seed would end its call",
            $"delete `seed` from voice-edge:voiceQueryKeys in {source}");
        return false;
    }
}
