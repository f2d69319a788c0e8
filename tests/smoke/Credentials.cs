using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VoiceEdge.Smoke;

/// <summary>Mints what a real caller presents: a user JWT (HS256) for the Worker, a relay token for the ws host.</summary>
public static class Credentials
{
    public static string UserJwt(string secret, DateTimeOffset now)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { sub = "voice-edge-smoke", iat = now.ToUnixTimeSeconds(), exp = now.ToUnixTimeSeconds() + 120 }));
        var input = $"{header}.{claims}";
        return $"{input}.{Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(input)))}";
    }

    /// <summary>X-Voice-Edge-Auth as docs/architecture.md specifies; tests check it against tests/vectors/relay-token.json.</summary>
    public static string RelayToken(string signingKey, long exp, string session)
    {
        var payload = $"v1.{exp}.{session}";
        return $"{payload}.{Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(payload)))}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
