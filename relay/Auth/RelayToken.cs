using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VoiceEdge.Relay.Auth;

public enum TokenStatus { Valid, Missing, Malformed, BadSignature, Expired, TooFarAhead }

public readonly record struct TokenCheck(TokenStatus Status, string? Session)
{
    public bool IsValid => Status == TokenStatus.Valid;
}

/// <summary>
/// The Worker-to-relay token, <c>X-Voice-Edge-Auth: v1.&lt;exp&gt;.&lt;session&gt;.&lt;sig&gt;</c>: sig is
/// base64url (no padding) of HMAC-SHA256(key bytes, "v1.&lt;exp&gt;.&lt;session&gt;"), exp at most a minute ahead.
/// </summary>
public sealed partial class RelayToken(byte[] key, TimeSpan maxLifetime, TimeSpan clockSkew)
{
    public const string HeaderName = "X-Voice-Edge-Auth";

    public RelayToken(string key, TimeSpan maxLifetime, TimeSpan clockSkew)
        : this(Encoding.UTF8.GetBytes(key), maxLifetime, clockSkew) { }

    public string Mint(long exp, string session)
    {
        var payload = $"v1.{exp}.{session}";
        return $"{payload}.{Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload)))}";
    }

    public TokenCheck Check(string? header, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header)) return new(TokenStatus.Missing, null);
        var match = TokenPattern().Match(header);
        if (!match.Success || !long.TryParse(match.Groups["exp"].Value, out var exp))
            return new(TokenStatus.Malformed, null);
        var session = match.Groups["session"].Value;
        // Sign the text as given: re-formatting the parsed number would let "v1.0<exp>..." pass for "v1.<exp>...".
        var payload = $"v1.{match.Groups["exp"].Value}.{session}";
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload), mac);
        // Compare the text, not decoded bytes: the 43rd character carries 2 unused bits that a decoder ignores,
        // so comparing bytes would accept four spellings of every signature.
        var expected = Encoding.ASCII.GetBytes(Base64Url(mac));
        var given = Encoding.ASCII.GetBytes(match.Groups["sig"].Value);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
            return new(TokenStatus.BadSignature, null);
        var nowSeconds = now.ToUnixTimeSeconds();
        if (exp + (long)clockSkew.TotalSeconds < nowSeconds) return new(TokenStatus.Expired, session);
        if (exp > nowSeconds + (long)(maxLifetime + clockSkew).TotalSeconds) return new(TokenStatus.TooFarAhead, session);
        return new(TokenStatus.Valid, session);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^v1\\.(?<exp>[0-9]{1,12})\\.(?<session>[A-Za-z0-9_-]{1,64})\\.(?<sig>[A-Za-z0-9_-]{43})\\z")]
    private static partial Regex TokenPattern();
}
