using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// The first two messages of a Twilio Media Stream, shaped as https://www.twilio.com/docs/voice/media-streams/websocket-messages
/// shows them (connected, then start with callSid, accountSid and the TwiML's customParameters), with the relay's per-call token.
/// </summary>
public static class TwilioStreamStart
{
    public const string AccountSid = RelayUnderTest.TwilioAccountSid;

    /// <summary>Mints as the relay under test does (same signing key).</summary>
    public static TwilioCallToken Tokens { get; } = new(RelayUnderTest.SigningKey, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));

    public static string NewCallSid() => "CA" + RandomNumberGenerator.GetHexString(32, lowercase: true);

    public static string TokenFor(string callSid, string accountSid = AccountSid) => Tokens.Mint(callSid, accountSid, DateTimeOffset.UtcNow);

    public const string Connected = """{"event":"connected","protocol":"Call","version":"1.0.0"}""";

    /// <summary>A start message; <paramref name="token"/> null leaves the call token out of customParameters.</summary>
    public static string Start(string callSid, string? token, string accountSid = AccountSid, string streamSid = "MZ00000000000000000000000000000001")
    {
        var custom = new Dictionary<string, string> { ["caller"] = "test" };
        if (token is not null) custom[TwilioCallToken.ParameterName] = token;
        return JsonSerializer.Serialize(new
        {
            @event = "start",
            sequenceNumber = "1",
            start = new
            {
                accountSid,
                streamSid,
                callSid,
                tracks = new[] { "inbound" },
                mediaFormat = new { encoding = "audio/x-mulaw", sampleRate = 8000, channels = 1 },
                customParameters = custom,
            },
            streamSid,
        });
    }

    /// <summary>
    /// Sends connected and a start with a valid token, then reads what an echoing upstream answers: its hello first (it is
    /// opened only now), then both messages back unchanged. Returns the hello.
    /// </summary>
    public static async Task<string> PassEchoAsync(WebSocket ws)
    {
        var callSid = NewCallSid();
        var start = Start(callSid, TokenFor(callSid));
        await ws.SendTextAsync(Connected);
        await ws.SendTextAsync(start);
        var hello = await ws.ReceiveTextAsync();
        Assert.Equal(Connected, await ws.ReceiveTextAsync());
        Assert.Equal(start, await ws.ReceiveTextAsync());
        return hello;
    }
}
