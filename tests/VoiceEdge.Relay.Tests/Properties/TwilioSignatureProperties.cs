using CsCheck;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// Twilio signature checks on any URL and any header value: never throws, and only the signature of exactly
/// that URL with that auth token passes.
/// </summary>
[Trait("Category", "Property")]
public class TwilioSignatureProperties
{
    private static readonly TwilioSignature Twilio = new("twilio-auth-token");

    private static readonly Gen<string> Url = Gen.Frequency(
        (1, Generators.AnyText),
        (3, Gen.Select(Gen.Char["wsh"], Generators.AnyText, Generators.AnyText, (scheme, path, query) =>
            $"{(scheme == 'h' ? "https" : scheme == 'w' ? "wss" : "ws")}://ws.example.com/{path}?{query}")));

    [Fact]
    public void Any_signature_for_any_url_is_checked_without_throwing_and_passes_only_when_exact() =>
        PropertyRun.ForAll(Gen.Select(Generators.AnyText, Url), t =>
        {
            var (signature, url) = t;
            var expected = Twilio.Compute(url);
            Assert.Equal(28, expected.Length);
            Assert.Equal(signature == expected, Twilio.IsValid(signature, url));
        }, ciCases: 2000);

    [Fact]
    public void Any_edit_of_a_valid_signature_is_refused() =>
        PropertyRun.ForAll(Url.SelectMany(url => Generators.Edit(Twilio.Compute(url)).Select(sig => (url, sig))), t =>
        {
            var (url, signature) = t;
            if (signature == Twilio.Compute(url)) return;
            Assert.False(Twilio.IsValid(signature, url));
        }, ciCases: 2000);

    [Fact]
    public void A_signature_is_valid_only_for_the_url_it_signed() =>
        PropertyRun.ForAll(Url.SelectMany(url => Generators.Edit(url).Select(other => (url, other))), t =>
        {
            var (url, other) = t;
            Assert.True(Twilio.IsValid(Twilio.Compute(url), url));
            if (other != url) Assert.False(Twilio.IsValid(Twilio.Compute(url), other));
        }, ciCases: 2000);
}
