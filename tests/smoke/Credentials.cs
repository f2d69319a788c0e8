using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VoiceEdge.Smoke;

/// <summary>Mints what a real caller presents: a user JWT (HS256) for the Worker, a relay token for the ws host.</summary>
public static class Credentials
{
    /// <summary>The user the smoke test calls as (the JWT's sub, and the sub of the relay token it mints itself).</summary>
    public const string SmokeUser = "voice-edge-smoke";

    public static string UserJwt(string secret, DateTimeOffset now)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { sub = SmokeUser, iat = now.ToUnixTimeSeconds(), exp = now.ToUnixTimeSeconds() + 120 }));
        var input = $"{header}.{claims}";
        return $"{input}.{Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(input)))}";
    }

    /// <summary>X-Voice-Edge-Auth v1 as docs/architecture.md specifies; tests check it against tests/vectors/relay-token.json.</summary>
    public static string RelayToken(string signingKey, long exp, string session) => Signed(signingKey, $"v1.{exp}.{session}");

    /// <summary>
    /// X-Voice-Edge-Auth v2 (what the Worker mints): <c>v2.&lt;exp&gt;.&lt;session&gt;.&lt;b64url(sub)&gt;.&lt;b64url(ip)&gt;.&lt;sig&gt;</c>;
    /// tests check it against the v2 entry of tests/vectors/relay-token.json.
    /// </summary>
    public static string RelayTokenV2(string signingKey, long exp, string session, string sub, string? clientIp) =>
        Signed(signingKey, $"v2.{exp}.{session}.{Base64Url(Encoding.UTF8.GetBytes(sub))}.{Base64Url(Encoding.ASCII.GetBytes(clientIp ?? ""))}");

    private static string Signed(string signingKey, string payload) =>
        $"{payload}.{Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(payload)))}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
