using System.Text.Json;
using VoiceEdge.Smoke;

namespace VoiceEdge.Workflows.Tests;

/// <summary>The smoke command's own relay-token minting against the shared vectors (no deployment needed).</summary>
public sealed class SmokeRelayTokenTests
{
    [Fact]
    public void Mints_v2_relay_tokens_that_match_the_shared_vector()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Repo.Path("tests", "vectors", "relay-token.json")));
        var key = doc.RootElement.GetProperty("signingKey").GetString()!;
        var v = doc.RootElement.GetProperty("v2");
        Assert.Equal(v.GetProperty("header").GetString(),
            Credentials.RelayTokenV2(key, v.GetProperty("exp").GetInt64(), v.GetProperty("session").GetString()!, v.GetProperty("sub").GetString()!, v.GetProperty("clientIp").GetString()));
    }
}
