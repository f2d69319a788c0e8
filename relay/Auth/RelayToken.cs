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
        var payload = $"v1.{exp}.{session}";
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload), expected);
        Span<byte> given = stackalloc byte[48];
        if (!TryDecodeBase64Url(match.Groups["sig"].Value, given, out var written) || written != 32
            || !CryptographicOperations.FixedTimeEquals(expected, given[..written]))
            return new(TokenStatus.BadSignature, null);
        var nowSeconds = now.ToUnixTimeSeconds();
        if (exp + (long)clockSkew.TotalSeconds < nowSeconds) return new(TokenStatus.Expired, session);
        if (exp > nowSeconds + (long)(maxLifetime + clockSkew).TotalSeconds) return new(TokenStatus.TooFarAhead, session);
        return new(TokenStatus.Valid, session);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeBase64Url(string text, Span<byte> destination, out int written)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.TryFromBase64String(padded, destination, out written);
    }

    [GeneratedRegex("^v1\\.(?<exp>[0-9]{1,12})\\.(?<session>[A-Za-z0-9_-]{1,64})\\.(?<sig>[A-Za-z0-9_-]{43})$")]
    private static partial Regex TokenPattern();
}
