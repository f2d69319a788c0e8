using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.TestSupport;

/// <summary>
/// X-Voice-Edge-Auth as docs/architecture.md specifies, minted the way the Worker does (HMAC-SHA256, base64url):
/// the one C# minter of the smoke test and the load generator (the JavaScript twin is local/lib/relayToken.mjs).
/// Checked against tests/vectors/relay-token.json by the workflow tests (SmokeRelayTokenTests, SmokeCommandTests).
/// </summary>
public static class RelayTokens
{
    /// <summary><c>v1.&lt;exp&gt;.&lt;session&gt;.&lt;sig&gt;</c> (the relay accepts v1 during the rollout window).</summary>
    public static string V1(string signingKey, long exp, string session) => Signed(signingKey, $"v1.{exp}.{session}");

    /// <summary><c>v2.&lt;exp&gt;.&lt;session&gt;.&lt;b64url(sub)&gt;.&lt;b64url(ip)&gt;.&lt;sig&gt;</c>, what the Worker mints.</summary>
    public static string V2(string signingKey, long exp, string session, string sub, string? clientIp) =>
        Signed(signingKey, $"v2.{exp}.{session}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(sub))}.{Base64Url.EncodeToString(Encoding.ASCII.GetBytes(clientIp ?? ""))}");

    private static string Signed(string signingKey, string payload) =>
        $"{payload}.{Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(payload)))}";
}
