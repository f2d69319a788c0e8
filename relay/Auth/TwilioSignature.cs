using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Auth;

/// <summary>
/// Twilio's request signature (X-Twilio-Signature): base64 of HMAC-SHA1(auth token, the full URL Twilio
/// requested, then any POST parameters sorted by name). A Media Streams upgrade is a GET with none, and a
/// &lt;Stream&gt; URL takes no query string, so the signed text is the public URL of the stream path.
/// </summary>
public sealed class TwilioSignature(string authToken)
{
    public const string HeaderName = "X-Twilio-Signature";

#pragma warning disable CA5350 // Twilio defines the signature as HMAC-SHA1; the relay cannot choose another.
    public string Compute(string url) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(url)));
#pragma warning restore CA5350

    public bool IsValid(string? signature, string url)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        var expected = Encoding.ASCII.GetBytes(Compute(url));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
