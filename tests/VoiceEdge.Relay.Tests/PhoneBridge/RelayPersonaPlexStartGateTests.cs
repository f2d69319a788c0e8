using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Tests.Twilio;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// The start gate with <c>Relay__TwilioMode=PersonaPlex</c>: the bridge opens PersonaPlex (which takes one conversation
/// at a time) only once the stream's start carries a valid per-call token; otherwise the stream is closed 1008.
/// </summary>
public class RelayPersonaPlexStartGateTests
{
    private static async Task<(string? Reason, WebSocketCloseStatus? Code, int BackendConnections)> CallAsync(Func<TwilioCall, Task> sendStart)
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, ("TwilioMode", "PersonaPlex"));
        using var call = new TwilioCall();
        await call.ConnectAsync(relay.Ws("/twilio/stream"), RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"));
        await call.SendConnectedAsync();
        await sendStart(call);
        await call.WaitClosedAsync(TimeSpan.FromSeconds(30));
        return (call.CloseReason, call.CloseStatus, model.Queries.Count);
    }

    [Fact]
    public async Task Without_a_token_the_stream_is_closed_1008_and_personaplex_never_sees_the_call()
    {
        var (reason, code, backend) = await CallAsync(call => call.SendStartAsync(token: ""));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, code);
        Assert.Contains("no call token", reason, StringComparison.Ordinal);
        Assert.Equal(0, backend);
    }

    [Fact]
    public async Task A_wrong_token_is_closed_1008()
    {
        var (reason, code, backend) = await CallAsync(call => call.SendStartAsync(token: "t1.1999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, code);
        Assert.Contains("not valid for this call", reason, StringComparison.Ordinal);
        Assert.Equal(0, backend);
    }

    [Fact]
    public async Task An_expired_token_is_closed_1008()
    {
        var expired = TwilioStreamStart.Tokens.MintWithExpiry(TwilioCall.CallSid, TwilioStreamStart.AccountSid, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
        var (reason, code, backend) = await CallAsync(call => call.SendStartAsync(token: expired));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, code);
        Assert.Contains("expired", reason, StringComparison.Ordinal);
        Assert.Equal(0, backend);
    }

    [Fact]
    public async Task Another_calls_token_is_closed_1008()
    {
        var (reason, code, backend) = await CallAsync(call => call.SendStartAsync(token: TwilioStreamStart.TokenFor(TwilioStreamStart.NewCallSid())));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, code);
        Assert.Contains("not valid for this call", reason, StringComparison.Ordinal);
        Assert.Equal(0, backend);
    }

    [Fact]
    public async Task Media_instead_of_start_is_closed_1008()
    {
        var (reason, code, backend) = await CallAsync(call => call.SendMediaAsync(new byte[160]));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, code);
        Assert.Contains("expected the start message, got media", reason, StringComparison.Ordinal);
        Assert.Equal(0, backend);
    }
}
