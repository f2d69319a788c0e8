using Microsoft.AspNetCore.WebUtilities;
using VoiceEdge.Relay.Relaying.Pool;

namespace VoiceEdge.Relay.Hosting;

/// <summary>
/// What the real PersonaPlex server (NVIDIA/personaplex <c>moshi/moshi/server.py</c>; docs/architecture.md "The real
/// PersonaPlex server's contract") needs in every call's query, checked at start on each backend that is PersonaPlex
/// (a URL whose path ends in <c>/api/chat</c>, the server's only WebSocket route) and on <c>TwilioUpstream</c> in
/// <c>TwilioMode=PersonaPlex</c> without a pool: <c>text_prompt</c> set and not empty (the server reads it after the
/// upgrade and drops the call without it), and no <c>seed</c> (the server reads <c>request["seed"]</c>, not the
/// query, so any seed drops the call) until a PersonaPlex release carries NVIDIA/personaplex PR #75. infra checks the
/// same in infra/Settings/PersonaPlexQueryRules.cs.
/// </summary>
public static class PersonaPlexQuery
{
    public const string TextPrompt = "text_prompt";
    public const string Seed = "seed";
    private const string SeedBug = "PersonaPlex fails every call that carries seed (moshi/server.py reads request[\"seed\"] instead of the query; NVIDIA/personaplex PR #75 fixes it, not yet released)";

    /// <summary>True for a PersonaPlex backend: its URL's path ends in /api/chat.</summary>
    public static bool IsPersonaPlex(Uri? url) =>
        url is { IsAbsoluteUri: true } && url.AbsolutePath.EndsWith("/api/chat", StringComparison.Ordinal);

    /// <summary>One message per problem, naming the setting and the fix; empty when the options are fine.</summary>
    public static IEnumerable<string> Problems(RelayOptions o)
    {
        for (var i = 0; i < o.Backends.Count; i++)
        {
            var b = o.Backends[i];
            if (!IsPersonaPlex(b.Url)) continue;
            var key = $"Relay:Backends:{i}";
            var query = Effective(b);
            if (query.ContainsKey(Seed))
                yield return $"{key}: seed is refused: {SeedBug}; remove Relay__Backends__{i}__DefaultQuery__seed (and any seed in its Url)";
            if (!query.TryGetValue(TextPrompt, out var prompt) || string.IsNullOrWhiteSpace(prompt))
                yield return $"{key}:DefaultQuery:text_prompt is required for a PersonaPlex backend (path /api/chat): the server drops every call without it; "
                    + $"set e.g. Relay__Backends__{i}__DefaultQuery__text_prompt=You enjoy having a good conversation.";
        }
        var anyPersonaPlex = o.Backends.Any(b => IsPersonaPlex(b.Url)) || (o.Backends.Count == 0 && IsPersonaPlex(o.Upstream));
        if (anyPersonaPlex && o.AllowedQueryKeys.Contains(Seed, StringComparer.Ordinal))
            yield return $"Relay:AllowedQueryKeys lists seed: {SeedBug}, so a caller's seed would end its call; remove it";
        if (o.TwilioMode == PhoneBridge.TwilioMode.PersonaPlex && o.Backends.Count == 0 && o.TwilioUpstream is { IsAbsoluteUri: true } twilio)
        {
            var query = QueryHelpers.ParseQuery(twilio.Query);
            if (query.ContainsKey(Seed))
                yield return $"Relay:TwilioUpstream carries seed in its query: {SeedBug}; remove it";
            if (!query.TryGetValue(TextPrompt, out var prompt) || string.IsNullOrWhiteSpace(prompt.ToString()))
                yield return "Relay:TwilioUpstream needs a text_prompt in its query with TwilioMode=PersonaPlex: PersonaPlex drops every call without it; "
                    + "e.g. Relay__TwilioUpstream=wss://gpu.example.com:8998/api/chat?voice_prompt=NATF2.pt&text_prompt=You%20enjoy%20having%20a%20good%20conversation.";
        }
    }

    /// <summary>The query a backend's calls start from: its URL's own query, then its DefaultQuery (as BackendQuery builds it).</summary>
    private static Dictionary<string, string> Effective(BackendOptions b)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in QueryHelpers.ParseQuery(b.Url!.Query)) values[key] = value.ToString();
        foreach (var (key, value) in b.DefaultQuery) values[key] = value;
        return values;
    }
}
