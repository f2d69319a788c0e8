using System.Globalization;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>What a server makes of a query string, written independently of the relay: "%XX" is that byte, anything else its UTF-8.</summary>
public static class QueryOracle
{
    public static byte[] Decode(string query)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < query.Length; i++)
        {
            if (query[i] == '%' && i + 2 < query.Length
                && byte.TryParse(query.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
                continue;
            }
            var length = char.IsSurrogate(query[i]) && i + 1 < query.Length && char.IsSurrogatePair(query[i], query[i + 1]) ? 2 : 1;
            bytes.AddRange(Encoding.UTF8.GetBytes(query.Substring(i, length)));
            i += length - 1;
        }
        return [.. bytes];
    }

    /// <summary>Only characters RFC 3986 allows in a query, and every '%' starts a valid escape.</summary>
    public static bool IsCanonical(string query)
    {
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (c == '%')
            {
                if (i + 2 >= query.Length || !Uri.IsHexDigit(query[i + 1]) || !Uri.IsHexDigit(query[i + 2])) return false;
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c) && !"-._~!$&'()*+,;=:@/?".Contains(c, StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
