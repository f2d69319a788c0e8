using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VoiceEdge.Relay.Auth;

public enum CallTokenStatus { Valid, Missing, Malformed, WrongCall, Expired, TooFarAhead, OtherRelay }

/// <summary>
/// The per-call token the voice webhook puts in the TwiML <c>&lt;Parameter&gt;</c> and /twilio/stream checks in the
/// stream's <c>start.customParameters</c>: <c>t1.&lt;exp&gt;.&lt;sig&gt;</c>, sig = base64url without padding of
/// HMAC-SHA256(call key, <c>t1.&lt;exp&gt;.&lt;callSid&gt;.&lt;accountSid&gt;</c>). The call and account SIDs are not in the token:
/// they come from the start message, so a token opens only the call it was minted for. The call key is
/// HMAC-SHA256(SigningKey, "voice-edge twilio call token v1"), never the relay-token key itself, so neither kind of
/// token can pass for the other. Parsing is strict: one spelling per token (no leading zeros, the signature's canonical
/// base64url text, compared in constant time).
/// In a fleet (<c>Relay:Name</c> set) the token also names the relay the call was placed on:
/// <c>t2.&lt;relay&gt;.&lt;exp&gt;.&lt;sig&gt;</c>, sig over <c>t2.&lt;relay&gt;.&lt;exp&gt;.&lt;callSid&gt;.&lt;accountSid&gt;</c>; a t1 token names
/// the unnamed relay. A relay accepts only tokens that name it (after the signature checks out, so a forged name is
/// WrongCall, a genuine token for another relay <see cref="CallTokenStatus.OtherRelay"/>): a stream that reaches another
/// relay than the webhook placed it on is refused, and each placement of a call gets its own token.
/// </summary>
public sealed partial class TwilioCallToken
{
    /// <summary>The name of the TwiML &lt;Parameter&gt; (and so of the start message's custom parameter).</summary>
    public const string ParameterName = "voiceEdgeCallToken";

    private static readonly byte[] KeyLabel = Encoding.ASCII.GetBytes("voice-edge twilio call token v1");

    /// <summary>The call keys of every accepted signing key; the first mints.</summary>
    private readonly byte[][] _acceptedKeys;

    private byte[] MintingKey => _acceptedKeys[0];
    private readonly TimeSpan _clockSkew;
    private readonly TimeSpan _lifetime;
    private readonly string _relay;

    /// <param name="signingKey">Relay:SigningKey (its UTF-8 bytes, as for relay tokens).</param>
    /// <param name="lifetime">How long a minted token stays valid (Relay:TwilioCallTokenSeconds).</param>
    /// <param name="relay">This relay's name (Relay:Name; empty for a single relay): the only name its tokens may carry.</param>
    public TwilioCallToken(string signingKey, TimeSpan lifetime, TimeSpan clockSkew, string relay = "")
        : this(new SigningKeys(signingKey), lifetime, clockSkew, relay) { }

    /// <summary>
    /// Mints with the current key; a token minted under any accepted key holds, so a call whose webhook ran before a key
    /// rotation still starts on the relay that restarted with the rotated keys.
    /// </summary>
    public TwilioCallToken(SigningKeys keys, TimeSpan lifetime, TimeSpan clockSkew, string relay = "")
    {
        _relay = relay;
        _acceptedKeys = keys.Accepted.Select(k => HMACSHA256.HashData(k, KeyLabel)).ToArray();
        _lifetime = lifetime;
        _clockSkew = clockSkew;
    }

    public TimeSpan Lifetime => _lifetime;

    /// <summary>A token for one call, valid for <see cref="Lifetime"/> from <paramref name="now"/>.</summary>
    public string Mint(string callSid, string accountSid, DateTimeOffset now) => MintWithExpiry(callSid, accountSid, now.ToUnixTimeSeconds() + (long)_lifetime.TotalSeconds);

    /// <summary>A token for one call placed on <paramref name="relay"/> (a fleet relay's name; empty: the unnamed relay, t1).</summary>
    public string MintFor(string relay, string callSid, string accountSid, DateTimeOffset now) =>
        MintWithExpiry(callSid, accountSid, now.ToUnixTimeSeconds() + (long)_lifetime.TotalSeconds, relay);

    public string MintWithExpiry(string callSid, string accountSid, long exp) => MintWithExpiry(callSid, accountSid, exp, _relay);

    public string MintWithExpiry(string callSid, string accountSid, long exp, string relay)
    {
        if (!IsCallSid(callSid)) throw new ArgumentException("callSid must be CA followed by 32 hex digits", nameof(callSid));
        if (!IsAccountSid(accountSid)) throw new ArgumentException("accountSid must be AC followed by 32 hex digits", nameof(accountSid));
        if (relay.Length > 0 && !RelayNamePattern().IsMatch(relay)) throw new ArgumentException("relay must be 1-12 characters of [a-z0-9]", nameof(relay));
        ArgumentOutOfRangeException.ThrowIfNegative(exp);
        var expText = exp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return relay.Length == 0 ? $"t1.{expText}.{Sign(MintingKey, expText, callSid, accountSid)}" : $"t2.{relay}.{expText}.{SignFor(MintingKey, relay, expText, callSid, accountSid)}";
    }

    /// <summary>Whether <paramref name="token"/> was minted for this call and account and is still in date.</summary>
    public CallTokenStatus Check(string? token, string? callSid, string? accountSid, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token)) return CallTokenStatus.Missing;
        var m = Pattern().Match(token);
        if (!m.Success) m = NamedPattern().Match(token);
        if (!m.Success || !long.TryParse(m.Groups["exp"].Value, System.Globalization.CultureInfo.InvariantCulture, out var exp)) return CallTokenStatus.Malformed;
        // A start message for a call (or account) that is not a Twilio SID cannot be the call a token names.
        if (callSid is null || accountSid is null || !IsCallSid(callSid) || !IsAccountSid(accountSid)) return CallTokenStatus.WrongCall;
        var given = Encoding.ASCII.GetBytes(m.Groups["sig"].Value);
        var relay = m.Groups["relay"].Success ? m.Groups["relay"].Value : "";
        var holds = false;
        foreach (var key in _acceptedKeys)
        {
            var expected = relay.Length == 0 ? Sign(key, m.Groups["exp"].Value, callSid, accountSid) : SignFor(key, relay, m.Groups["exp"].Value, callSid, accountSid);
            holds |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), given);
        }
        if (!holds) return CallTokenStatus.WrongCall;
        if (!string.Equals(relay, _relay, StringComparison.Ordinal)) return CallTokenStatus.OtherRelay;
        var nowSeconds = now.ToUnixTimeSeconds();
        if (exp + (long)_clockSkew.TotalSeconds < nowSeconds) return CallTokenStatus.Expired;
        if (exp > nowSeconds + (long)(_lifetime + _clockSkew).TotalSeconds) return CallTokenStatus.TooFarAhead;
        return CallTokenStatus.Valid;
    }

    private static string Sign(byte[] key, string exp, string callSid, string accountSid) =>
        RelayToken.Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"t1.{exp}.{callSid}.{accountSid}")));

    private static string SignFor(byte[] key, string relay, string exp, string callSid, string accountSid) =>
        RelayToken.Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"t2.{relay}.{exp}.{callSid}.{accountSid}")));

    /// <summary>A Twilio Account SID: AC and 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid).</summary>
    public static bool IsAccountSid(string? value) => value is not null && AccountSidPattern().IsMatch(value);

    /// <summary>A Twilio Call SID: CA and 32 hex digits.</summary>
    public static bool IsCallSid(string? value) => value is not null && CallSidPattern().IsMatch(value);

    [GeneratedRegex("^t1\\.(?<exp>0|[1-9][0-9]{0,11})\\.(?<sig>[A-Za-z0-9_-]{43})\\z")]
    private static partial Regex Pattern();

    [GeneratedRegex("^t2\\.(?<relay>[a-z0-9]{1,12})\\.(?<exp>0|[1-9][0-9]{0,11})\\.(?<sig>[A-Za-z0-9_-]{43})\\z")]
    private static partial Regex NamedPattern();

    [GeneratedRegex("^[a-z0-9]{1,12}\\z")]
    private static partial Regex RelayNamePattern();

    [GeneratedRegex("^AC[0-9a-fA-F]{32}\\z")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^CA[0-9a-fA-F]{32}\\z")]
    private static partial Regex CallSidPattern();
}
