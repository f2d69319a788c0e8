using VoiceEdge.Relay.Auth;

namespace VoiceEdge.Relay.Tests;

public class TwilioSignatureTests
{
    // Computed independently with Node's crypto: HMAC-SHA1("12345", "wss://ws.example.com/twilio/stream"), base64.
    private const string KnownSignature = "PQzU9cSyT3+wmb4Y2pP99e1GUvs=";
    private const string Url = "wss://ws.example.com/twilio/stream";

    [Fact]
    public void Matches_an_independently_computed_signature()
    {
        var twilio = new TwilioSignature("12345");
        Assert.Equal(KnownSignature, twilio.Compute(Url));
        Assert.True(twilio.IsValid(KnownSignature, Url));
    }

    [Fact]
    public void Refuses_missing_wrong_and_other_url_signatures()
    {
        var twilio = new TwilioSignature("12345");
        Assert.False(twilio.IsValid(null, Url));
        Assert.False(twilio.IsValid("", Url));
        Assert.False(twilio.IsValid("PQzU9cSyT3+wmb4Y2pP99e1GUvX=", Url));
        Assert.False(twilio.IsValid(KnownSignature, "wss://ws.example.com/twilio/other"));
        Assert.False(new TwilioSignature("54321").IsValid(KnownSignature, Url));
    }
}
