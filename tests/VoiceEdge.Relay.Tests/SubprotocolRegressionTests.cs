using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>Subprotocol lists the live-call property found (500 before the fix: .NET's client threw offering them upstream).</summary>
public class SubprotocolRegressionTests
{
    [Theory]
    [InlineData("-B|, 11c_a-, 9f$:(rNb")]
    [InlineData("voice-edge, voice-edge")]
    [InlineData("voice-edge, VOICE-EDGE")]
    [InlineData("a/b")]
    public async Task Subprotocol_list_that_is_not_distinct_tokens_is_refused_400(string protocols)
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat",
            [(RelayToken.HeaderName, relay.ValidToken()), ("Sec-WebSocket-Protocol", protocols)]);
        Assert.Equal(400, raw.Status);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"subprotocol-invalid\""));
        Assert.Empty(relay.Errors);
    }

    [Fact]
    public async Task Subprotocol_list_of_a_name_and_a_jwt_is_relayed()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat",
            [(RelayToken.HeaderName, relay.ValidToken()), ("Sec-WebSocket-Protocol", "voice-edge, eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln")]);
        Assert.Equal(101, raw.Status);
        Assert.Contains("Sec-WebSocket-Protocol: voice-edge", raw.Head, StringComparison.OrdinalIgnoreCase);
    }
}
