using Microsoft.AspNetCore.WebUtilities;
using System.Text;

namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>
/// The query a pooled backend gets: its URL's own query, then its <c>DefaultQuery</c>, then the caller's values for
/// keys in <c>Relay:AllowedQueryKeys</c> only. Every other caller key is dropped, and so is a caller value that is
/// empty, longer than <see cref="MaxValueLength"/>, or holds a path separator or control character: a browser can
/// neither pick a file on the backend (PersonaPlex reads voice_prompt as a file name) nor blank the prompt.
/// </summary>
public static class BackendQuery
{
    public const int MaxValueLength = 1000;

    public static Uri For(Uri url, IReadOnlyDictionary<string, string> defaults, IReadOnlySet<string> allowed, QueryString caller)
    {
        var values = new List<KeyValuePair<string, string>>();
        void Set(string key, string value)
        {
            var at = values.FindIndex(p => p.Key == key);
            if (at >= 0) values[at] = new(key, value);
            else values.Add(new(key, value));
        }
        foreach (var (key, value) in QueryHelpers.ParseQuery(url.Query)) Set(key, value.ToString());
        foreach (var (key, value) in defaults) Set(key, value);
        if (caller.HasValue)
        {
            foreach (var (key, value) in QueryHelpers.ParseQuery(caller.Value))
            {
                if (!allowed.Contains(key) || value.Count != 1 || !IsAcceptable(value[0]!)) continue;
                Set(key, value[0]!);
            }
        }
        var query = new StringBuilder();
        foreach (var (key, value) in values)
            query.Append(query.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        return new Uri(url.GetLeftPart(UriPartial.Path) + query);
    }

    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxValueLength && !value.Any(c => c is '/' or '\\' || char.IsControl(c));
}
