using System.Net.WebSockets;
using System.Text.Json;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>Inputs the live-call properties found, each replayed against the real relay and named after itself.</summary>
public class QueryAndSignatureRegressionTests
{
    private static async Task<string> UpstreamQueryForAsync(RelayUnderTest relay, string target, params (string, string)[] headers)
    {
        await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, target, headers);
        Assert.Equal(101, raw.Status);
        using var ws = raw.AsWebSocket();
        // A Twilio stream opens its upstream (which says hello) only once its start passed the gate.
        var hello = target.StartsWith("/twilio/", StringComparison.Ordinal) ? await Twilio.TwilioStreamStart.PassEchoAsync(ws) : await ws.ReceiveTextAsync();
        var query = JsonDocument.Parse(hello).RootElement.GetProperty("query").GetString()!;
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        return query;
    }

    [Fact]
    public async Task Query_questionmark_a_eq_1_keeps_its_leading_question_mark()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        Assert.Equal("??a=1", await UpstreamQueryForAsync(relay, "/api/chat??a=1", (RelayToken.HeaderName, relay.ValidToken())));
    }

    [Fact]
    public async Task Query_a_eq_1_hash_b_eq_2_reaches_the_upstream_whole()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        Assert.Equal("?a=1%23b=2", await UpstreamQueryForAsync(relay, "/api/chat?a=1#b=2", (RelayToken.HeaderName, relay.ValidToken())));
    }

    [Fact]
    public async Task Query_NX_questionmark_percent43_keeps_its_escape()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        Assert.Equal("?NX?%43=&X45y", await UpstreamQueryForAsync(relay, "/api/chat?NX?%43=&X45y", (RelayToken.HeaderName, relay.ValidToken())));
    }

    [Fact]
    public async Task Twilio_stream_query_x_eq_1_signed_without_it_is_refused_403()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri);
        var bareSignature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream");
        await using (var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/twilio/stream?x=1", [(TwilioSignature.HeaderName, bareSignature)]))
            Assert.Equal(403, raw.Status);
        var fullSignature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream?x=1");
        Assert.Equal("?x=1", await UpstreamQueryForAsync(relay, "/twilio/stream?x=1", (TwilioSignature.HeaderName, fullSignature)));
    }
}
