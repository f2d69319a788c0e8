using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VoiceEdge.TestSupport;

/// <summary>User tokens as an identity provider issues them for the Worker (AUTH_JWT_SECRET): HS256 compact JWS.</summary>
public static class UserTokens
{
    /// <summary>Signs <paramref name="claims"/> (serialised with System.Text.Json) with HMAC-SHA256 under <paramref name="secret"/>.</summary>
    public static string Hs256(object claims, string secret)
    {
        var header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var input = $"{header}.{Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        return $"{input}.{Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(input)))}";
    }
}
