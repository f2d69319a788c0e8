using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VoiceEdge.Relay.Auth;

/// <summary><c>Retired</c>: a genuine v1 token while <c>Relay__AcceptV1Tokens</c> is false (the rollout window is over).</summary>
public enum TokenStatus { Valid, Missing, Malformed, BadSignature, Expired, TooFarAhead, Retired }

/// <summary>
/// What a token check found. <see cref="User"/> (the user's <c>sub</c>) and <see cref="ClientIp"/> (as the Worker saw it
/// in <c>CF-Connecting-IP</c>; null when it saw none) come only from a v2 token whose signature holds.
/// </summary>
public readonly record struct TokenCheck(TokenStatus Status, string? Session, int Version = 0, string? User = null, string? ClientIp = null)
{
    public bool IsValid => Status == TokenStatus.Valid;
}

/// <summary>
/// The Worker-to-relay token (<c>X-Voice-Edge-Auth</c>, docs/architecture.md "Worker to relay"). Both versions end in
/// <c>.&lt;sig&gt;</c>, base64url without padding of HMAC-SHA256(key bytes, everything before the last dot):
/// <list type="bullet">
/// <item><c>v1.&lt;exp&gt;.&lt;session&gt;.&lt;sig&gt;</c> (accepted while <c>acceptV1</c>, the rollout window);</item>
/// <item><c>v2.&lt;exp&gt;.&lt;session&gt;.&lt;sub&gt;.&lt;ip&gt;.&lt;sig&gt;</c>, sub = base64url of the user's <c>sub</c> in UTF-8
/// (1 to 256 bytes), ip = base64url of the client IP text (empty when the Worker saw none).</item>
/// </list>
/// exp is at most a minute ahead. Parsing is strict: one spelling per token (no leading zeros in v2's exp, base64url whose
/// unused bits are zero, UTF-8 that round-trips, an IP in its textual form).
/// </summary>
/// <remarks>
/// Signing-key rotation (docs/operations.md "Rotating the signing key"): a token signed with any of the accepted keys
/// (<see cref="SigningKeys"/>: the current key and, during a rotation, the previous or the next one) holds; tokens are
/// minted with the current key only.
/// </remarks>
public sealed partial class RelayToken(SigningKeys keys, TimeSpan maxLifetime, TimeSpan clockSkew, bool acceptV1 = true)
{
    public const string HeaderName = "X-Voice-Edge-Auth";
    public const int MaxSubBytes = 256;
    /// <summary>The longest textual IPv6 address with an embedded IPv4 (INET6_ADDRSTRLEN less its NUL).</summary>
    public const int MaxIpChars = 45;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public RelayToken(string key, TimeSpan maxLifetime, TimeSpan clockSkew, bool acceptV1 = true)
        : this(new SigningKeys(key), maxLifetime, clockSkew, acceptV1) { }

    /// <summary>A v1 token (still minted by Workers deployed before v2).</summary>
    public string Mint(long exp, string session) => Sign($"v1.{exp}.{session}");

    /// <summary>A v2 token; <paramref name="clientIp"/> null or empty when the Worker saw no client IP.</summary>
    public string MintV2(long exp, string session, string sub, string? clientIp)
    {
        var subBytes = Encoding.UTF8.GetBytes(sub);
        if (subBytes.Length is 0 or > MaxSubBytes) throw new ArgumentException($"sub must be 1 to {MaxSubBytes} UTF-8 bytes", nameof(sub));
        if (!string.IsNullOrEmpty(clientIp) && !IsAddressText(clientIp)) throw new ArgumentException("clientIp must be an IPv4 or IPv6 address", nameof(clientIp));
        return Sign($"v2.{exp}.{session}.{Base64Url(subBytes)}.{Base64Url(Encoding.ASCII.GetBytes(clientIp ?? ""))}");
    }

    public TokenCheck Check(string? header, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(header)) return new(TokenStatus.Missing, null);
        var v2 = V2Pattern().Match(header);
        if (v2.Success) return CheckV2(v2, now);
        var v1 = V1Pattern().Match(header);
        if (!v1.Success) return new(TokenStatus.Malformed, null);
        // v1 signs the text as given: re-formatting the parsed number would let "v1.0<exp>..." pass for "v1.<exp>...".
        var checkedV1 = Verify(v1, $"v1.{v1.Groups["exp"].Value}.{v1.Groups["session"].Value}", now, version: 1, user: null, ip: null);
        return checkedV1.IsValid && !acceptV1 ? checkedV1 with { Status = TokenStatus.Retired } : checkedV1;
    }

    private TokenCheck CheckV2(Match m, DateTimeOffset now)
    {
        var subText = m.Groups["sub"].Value;
        var ipText = m.Groups["ip"].Value;
        if (DecodeCanonical(subText) is not { Length: > 0 and <= MaxSubBytes } subBytes || Utf8(subBytes) is not { } user)
            return new(TokenStatus.Malformed, null);
        string? ip = null;
        if (ipText.Length > 0)
        {
            if (DecodeCanonical(ipText) is not { Length: <= MaxIpChars } ipBytes) return new(TokenStatus.Malformed, null);
            ip = Encoding.ASCII.GetString(ipBytes);
            if (!IsAddressText(ip)) return new(TokenStatus.Malformed, null);
        }
        return Verify(m, $"v2.{m.Groups["exp"].Value}.{m.Groups["session"].Value}.{subText}.{ipText}", now, version: 2, user, ip);
    }

    private TokenCheck Verify(Match m, string payload, DateTimeOffset now, int version, string? user, string? ip)
    {
        if (!long.TryParse(m.Groups["exp"].Value, out var exp)) return new(TokenStatus.Malformed, null);
        var session = m.Groups["session"].Value;
        if (!SignatureHolds(payload, m.Groups["sig"].Value)) return new(TokenStatus.BadSignature, null);
        var nowSeconds = now.ToUnixTimeSeconds();
        var status = exp + (long)clockSkew.TotalSeconds < nowSeconds ? TokenStatus.Expired
            : exp > nowSeconds + (long)(maxLifetime + clockSkew).TotalSeconds ? TokenStatus.TooFarAhead
            : TokenStatus.Valid;
        return new(status, session, version, user, ip);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is the signature of <paramref name="payload"/> under any accepted key. Every key
    /// is tried (no early exit), so the time taken does not tell which key matched.
    /// </summary>
    private bool SignatureHolds(string payload, string signature)
    {
        var data = Encoding.UTF8.GetBytes(payload);
        var given = Encoding.ASCII.GetBytes(signature);
        Span<byte> mac = stackalloc byte[32];
        var holds = false;
        foreach (var key in keys.Accepted)
        {
            HMACSHA256.HashData(key, data, mac);
            // Compare the text, not decoded bytes: the 43rd character carries 2 unused bits that a decoder ignores,
            // so comparing bytes would accept four spellings of every signature.
            holds |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Base64Url(mac)), given);
        }
        return holds;
    }

    private string Sign(string payload) => $"{payload}.{Base64Url(HMACSHA256.HashData(keys.Current, Encoding.UTF8.GetBytes(payload)))}";

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The bytes of unpadded base64url text, or null unless the text is the one spelling those bytes encode to.</summary>
    internal static byte[]? DecodeCanonical(string text)
    {
        if (text.Length % 4 == 1) return null;
        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4);
        byte[] bytes;
        try { bytes = Convert.FromBase64String(padded); }
        catch (FormatException) { return null; }
        return Base64Url(bytes) == text ? bytes : null;
    }

    /// <summary>
    /// An IPv4 or IPv6 address as text, nothing else (no zone, port or brackets): the Worker only signs such text, and
    /// the relay writes it into X-Forwarded-For, so it must never carry anything a header could misread.
    /// </summary>
    internal static bool IsAddressText(string text) =>
        text.Length is > 0 and <= MaxIpChars && text.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':') && IPAddress.TryParse(text, out _);

    private static string? Utf8(byte[] bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    [GeneratedRegex("^v1\\.(?<exp>[0-9]{1,12})\\.(?<session>[A-Za-z0-9_-]{1,64})\\.(?<sig>[A-Za-z0-9_-]{43})\\z")]
    private static partial Regex V1Pattern();

    // sub: 1-256 bytes -> 2-342 characters; ip: 0-45 characters of text -> 0-60 characters.
    [GeneratedRegex("^v2\\.(?<exp>0|[1-9][0-9]{0,11})\\.(?<session>[A-Za-z0-9_-]{1,64})\\.(?<sub>[A-Za-z0-9_-]{2,342})\\.(?<ip>[A-Za-z0-9_-]{0,60})\\.(?<sig>[A-Za-z0-9_-]{43})\\z")]
    private static partial Regex V2Pattern();
}
