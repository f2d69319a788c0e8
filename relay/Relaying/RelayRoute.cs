using System.Text;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// One relayed WebSocket path: what it is called in metrics and logs, and where it goes (Pooled: to a slot of the
/// <see cref="Pool.BackendPool"/>). With a <see cref="Gate"/> (Twilio streams) the client is accepted first, without a
/// subprotocol, and the upstream is opened (offered none) only once the gate has passed the stream's start message.
/// </summary>
public sealed record RelayRoute(string Name, Uri Upstream, bool Pooled = false, StartGate.TwilioStartGate? Gate = null)
{
    /// <summary>
    /// The upstream URL for one call: the client's query string is passed on after the upstream's own. A query
    /// made only of characters RFC 3986 allows there goes byte for byte; any other character (including a
    /// raw <c>#</c>, which would otherwise cut the query short as a fragment, and a <c>%</c> not followed by
    /// two hex digits) is percent-encoded as UTF-8, so the upstream decodes the same text the client sent.
    /// </summary>
    public Uri UpstreamFor(QueryString query)
    {
        if (!query.HasValue) return Upstream;
        var existing = Upstream.Query.Length > 0 ? Upstream.Query[1..] : "";
        var extra = EscapeQuery(query.Value![1..]);
        var url = $"{Upstream.GetLeftPart(UriPartial.Path)}?{(existing.Length == 0 ? extra : $"{existing}&{extra}")}";
        // Without canonicalization: System.Uri would otherwise decode escapes of unreserved characters ("%43" to "C").
        return new Uri(url, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }

    internal static string EscapeQuery(string query)
    {
        var escaped = new StringBuilder(query.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (IsQueryChar(c) || (c == '%' && i + 2 < query.Length && Uri.IsHexDigit(query[i + 1]) && Uri.IsHexDigit(query[i + 2])))
            {
                escaped.Append(c);
                continue;
            }
            var rune = Rune.TryGetRuneAt(query, i, out var r) ? r : Rune.ReplacementChar;
            if (rune.Utf16SequenceLength == 2) i++;
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length]) escaped.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }

    /// <summary>RFC 3986 query characters other than '%': unreserved, sub-delims, ':', '@', '/', '?'.</summary>
    private static bool IsQueryChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/' or '?';
}
