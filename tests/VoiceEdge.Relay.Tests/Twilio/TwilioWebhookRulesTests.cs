using System.Net;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// Webhook Rules (Twilio's Webhooks configuration API): a webhook signed with a Setting's SharedKey, HMAC-SHA256, and
/// <c>X-Twilio-Webhooks-Signature-Settings</c> naming the key and the algorithm, as Twilio's docs and helper libraries say.
/// </summary>
public class TwilioWebhookRulesTests
{
    private const string VoiceUrl = "https://ws.example.test/twilio/voice";
    private const string SharedKey = "shared-key-secret-of-a-webhook-setting";
    private const string Settings = "key=webhooks_shared_key_01jz0000000000000000000000,algorithm=HMAC_SHA256";

    private static KeyValuePair<string, string>[] CallForm(string callSid) =>
    [
        new("AccountSid", RelayUnderTest.TwilioAccountSid),
        new("ApiVersion", "2010-04-01"),
        new("CallSid", callSid),
        new("CallStatus", "ringing"),
        new("Caller", "+12349013030"),
        new("Direction", "inbound"),
        new("From", "+12349013030"),
        new("To", "+18005551212"),
    ];

    private static async Task<HttpStatusCode> PostAsync(RelayUnderTest relay, IEnumerable<KeyValuePair<string, string>> form, string signature, string? settings)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/twilio/voice") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);
        if (settings is not null) request.Headers.Add("X-Twilio-Webhooks-Signature-Settings", settings);
        using var response = await relay.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_webhook_signed_with_the_shared_key_is_answered_and_a_tampered_one_is_refused()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream(), ("TwilioWebhookSharedKey", SharedKey));
        var form = CallForm(TwilioStreamStart.NewCallSid());
        var signature = TwilioWebhookSigner.SignSha256(SharedKey, VoiceUrl, form);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(relay, form, signature, Settings));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(relay, CallForm(TwilioStreamStart.NewCallSid()), signature, Settings));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(relay, form, TwilioWebhookSigner.SignSha256("another-shared-key", VoiceUrl, form), Settings));
        // The auth token is not the key under a rule, and the settings header cannot be dropped from a SHA-256 signature.
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(relay, form, TwilioWebhookSigner.SignSha256(RelayUnderTest.TwilioToken, VoiceUrl, form), Settings));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(relay, form, signature, null));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(relay, form, signature, "key=x,algorithm=MD5"));
        // Without the header, Twilio's default signature still works.
        var plain = CallForm(TwilioStreamStart.NewCallSid());
        Assert.Equal(HttpStatusCode.OK, await PostAsync(relay, plain, TwilioWebhookSigner.Sign(RelayUnderTest.TwilioToken, VoiceUrl, plain), null));

        Assert.Equal(2, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"answered\""));
        Assert.Equal(5, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"signature-invalid\""));
        Assert.DoesNotContain(relay.Logs, l => l.Contains(SharedKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_relay_without_the_shared_key_answers_503_to_a_rule_signed_webhook()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream());
        var form = CallForm(TwilioStreamStart.NewCallSid());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostAsync(relay, form, TwilioWebhookSigner.SignSha256(SharedKey, VoiceUrl, form), Settings));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"shared-key-not-configured\""));
    }
}
