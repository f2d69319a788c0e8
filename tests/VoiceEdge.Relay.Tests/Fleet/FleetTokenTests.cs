using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Twilio;

namespace VoiceEdge.Relay.Tests.Fleet;

/// <summary>Call tokens that name the relay a call was placed on (t2), next to the single relay's t1.</summary>
public class FleetTokenTests
{
    private const string Key = "relay-test-signing-key-0123456789";
    private static readonly string Account = TwilioStreamStart.AccountSid;

    private static TwilioCallToken Relay(string name) => new(Key, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), name);

    [Fact]
    public void A_single_relay_still_mints_and_accepts_t1_exactly_as_before()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        var now = DateTimeOffset.UtcNow;
        var single = new TwilioCallToken(Key, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        var token = single.Mint(callSid, Account, now);
        Assert.Matches("^t1\\.[0-9]+\\.[A-Za-z0-9_-]{43}$", token);
        Assert.Equal(token, Relay("").MintFor("", callSid, Account, now));
        Assert.Equal(CallTokenStatus.Valid, single.Check(token, callSid, Account, now));
        // A named relay refuses it: the token names no relay of the fleet.
        Assert.Equal(CallTokenStatus.OtherRelay, Relay("weu").Check(token, callSid, Account, now));
    }

    [Fact]
    public void A_token_opens_only_the_relay_it_names()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        var now = DateTimeOffset.UtcNow;
        var token = Relay("weu").MintFor("eus", callSid, Account, now);
        Assert.StartsWith("t2.eus.", token, StringComparison.Ordinal);
        Assert.Equal(CallTokenStatus.Valid, Relay("eus").Check(token, callSid, Account, now));
        Assert.Equal(CallTokenStatus.OtherRelay, Relay("weu").Check(token, callSid, Account, now));
        Assert.Equal(CallTokenStatus.OtherRelay, Relay("").Check(token, callSid, Account, now));
        Assert.Equal(CallTokenStatus.WrongCall, Relay("eus").Check(token, TwilioStreamStart.NewCallSid(), Account, now));
    }

    [Fact]
    public void A_named_token_minted_before_a_key_rotation_still_opens_its_relay()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        var now = DateTimeOffset.UtcNow;
        const string next = "relay-test-next-signing-key-0123456789";
        var token = Relay("weu").MintFor("eus", callSid, Account, now);
        var rotated = new TwilioCallToken(new SigningKeys(next, Key), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), "eus");
        Assert.Equal(CallTokenStatus.Valid, rotated.Check(token, callSid, Account, now));
        Assert.Equal(CallTokenStatus.OtherRelay, new TwilioCallToken(new SigningKeys(next, Key), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), "weu").Check(token, callSid, Account, now));
        Assert.Equal(CallTokenStatus.WrongCall, new TwilioCallToken(new SigningKeys(next), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), "eus").Check(token, callSid, Account, now));
    }

    [Fact]
    public void A_renamed_token_is_a_forgery_not_a_token_for_another_relay()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        var now = DateTimeOffset.UtcNow;
        var token = Relay("weu").MintFor("eus", callSid, Account, now);
        var renamed = "t2.weu." + token["t2.eus.".Length..];
        Assert.Equal(CallTokenStatus.WrongCall, Relay("weu").Check(renamed, callSid, Account, now));
        Assert.Equal(CallTokenStatus.Malformed, Relay("weu").Check("t2.WEU." + token["t2.eus.".Length..], callSid, Account, now));
        Assert.Throws<ArgumentException>(() => Relay("weu").MintFor("Bad-Name", callSid, Account, now));
    }
}
