using VoiceEdge.TestSupport;

namespace VoiceEdge.Smoke;

/// <summary>Mints what a real caller presents (with the test rig's minters): a user JWT (HS256) for the Worker, a relay token for the ws host.</summary>
public static class Credentials
{
    /// <summary>The user the smoke test calls as (the JWT's sub, and the sub of the relay token it mints itself).</summary>
    public const string SmokeUser = "voice-edge-smoke";

    public static string UserJwt(string secret, DateTimeOffset now) =>
        UserTokens.Hs256(new { sub = SmokeUser, iat = now.ToUnixTimeSeconds(), exp = now.ToUnixTimeSeconds() + 120 }, secret);

    /// <summary>X-Voice-Edge-Auth v1 as docs/architecture.md specifies; tests check it against tests/vectors/relay-token.json.</summary>
    public static string RelayToken(string signingKey, long exp, string session) => RelayTokens.V1(signingKey, exp, session);

    /// <summary>
    /// X-Voice-Edge-Auth v2 (what the Worker mints): <c>v2.&lt;exp&gt;.&lt;session&gt;.&lt;b64url(sub)&gt;.&lt;b64url(ip)&gt;.&lt;sig&gt;</c>;
    /// tests check it against the v2 entry of tests/vectors/relay-token.json.
    /// </summary>
    public static string RelayTokenV2(string signingKey, long exp, string session, string sub, string? clientIp) =>
        RelayTokens.V2(signingKey, exp, session, sub, clientIp);
}
