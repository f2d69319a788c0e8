using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// Twilio's webhook signature written out independently of the relay and of the Twilio SDK, as Twilio documents it
/// (https://www.twilio.com/docs/usage/webhooks/webhooks-security): the full URL, then each POST parameter sorted by name,
/// name followed by value, HMAC-SHA1 with the auth token, base64.
/// </summary>
public static class TwilioWebhookSigner
{
#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1.
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), SignedText(url, parameters)));
#pragma warning restore CA5350

    /// <summary>
    /// Under a Webhook Rule (https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys): the same text, HMAC-SHA256 with
    /// the Setting's SharedKey secret, base64; Twilio adds <c>X-Twilio-Webhooks-Signature-Settings: key=ID,algorithm=HMAC_SHA256</c>.
    /// </summary>
    public static string SignSha256(string sharedKey, string url, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(sharedKey), SignedText(url, parameters)));

    private static byte[] SignedText(string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var text = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) text.Append(name).Append(value);
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
