using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>POST /twilio/voice and /twilio/status on the real relay: Twilio's signature, the account, the TwiML answer.</summary>
public class TwilioWebhookTests
{
    // Twilio's worked example, "Secure webhooks" (https://www.twilio.com/docs/usage/webhooks/webhooks-security, formerly
    // https://www.twilio.com/docs/usage/security#validating-requests): auth token 12345, this URL and these parameters.
    private const string DocAuthToken = "12345";
    private const string DocUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string DocSignature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
    private static readonly KeyValuePair<string, string>[] DocParameters =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("Caller", "+12349013030"),
        new("Digits", "1234"),
        new("From", "+12349013030"),
        new("To", "+18005551212"),
    ];

    private const string VoiceUrl = "https://ws.example.test/twilio/voice";
    private const string StatusUrl = "https://ws.example.test/twilio/status";

    [Fact]
    public void The_test_signer_and_the_Twilio_SDK_reproduce_Twilios_documented_example()
    {
        Assert.Equal(DocSignature, TwilioWebhookSigner.Sign(DocAuthToken, DocUrl, DocParameters));
        var validator = new global::Twilio.Security.RequestValidator(DocAuthToken);
        Assert.True(validator.Validate(DocUrl, DocParameters.ToDictionary(p => p.Key, p => p.Value), DocSignature));
        Assert.False(validator.Validate(DocUrl, DocParameters.Select(p => p.Key == "Digits" ? new KeyValuePair<string, string>("Digits", "9") : p).ToDictionary(p => p.Key, p => p.Value), DocSignature));
        Assert.False(validator.Validate("https://mycompany.com/myapp.php?foo=1&bar=3", DocParameters.ToDictionary(p => p.Key, p => p.Value), DocSignature));
    }

    private static KeyValuePair<string, string>[] CallForm(string callSid, string accountSid = RelayUnderTest.TwilioAccountSid, params KeyValuePair<string, string>[] extra) =>
    [
        new("AccountSid", accountSid),
        new("ApiVersion", "2010-04-01"),
        new("CallSid", callSid),
        new("CallStatus", "ringing"),
        new("Called", "+18005551212"),
        new("Caller", "+12349013030"),
        new("Direction", "inbound"),
        new("From", "+12349013030"),
        new("To", "+18005551212"),
        .. extra,
    ];

    private static async Task<HttpResponseMessage> PostAsync(RelayUnderTest relay, string pathAndQuery, IEnumerable<KeyValuePair<string, string>> form, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        if (signature is not null) request.Headers.Add("X-Twilio-Signature", signature);
        return await relay.Http.SendAsync(request);
    }

    private static string Sign(string url, IEnumerable<KeyValuePair<string, string>> form) => TwilioWebhookSigner.Sign(RelayUnderTest.TwilioToken, url, form);

    private static async Task<RelayUnderTest> StartAsync(params (string, string)[] settings) =>
        await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), RelayUnderTest.DeadUpstream(), settings);

    [Fact]
    public async Task A_signed_voice_webhook_is_answered_with_TwiML_connecting_the_call_to_the_stream_with_its_token()
    {
        await using var relay = await StartAsync();
        var callSid = TwilioStreamStart.NewCallSid();
        var form = CallForm(callSid);
        using var response = await PostAsync(relay, "/twilio/voice", form, Sign(VoiceUrl, form));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var twiml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Response", twiml.Root!.Name.LocalName);
        var stream = Assert.Single(twiml.Root.Elements("Connect").Elements("Stream"));
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", stream.Attribute("url")?.Value);
        var parameter = Assert.Single(stream.Elements("Parameter"));
        Assert.Equal(TwilioCallToken.ParameterName, parameter.Attribute("name")?.Value);
        var token = parameter.Attribute("value")!.Value;
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(CallTokenStatus.Valid, TwilioStreamStart.Tokens.Check(token, callSid, RelayUnderTest.TwilioAccountSid, now));
        Assert.Equal(CallTokenStatus.WrongCall, TwilioStreamStart.Tokens.Check(token, TwilioStreamStart.NewCallSid(), RelayUnderTest.TwilioAccountSid, now));
        Assert.Equal(CallTokenStatus.Expired, TwilioStreamStart.Tokens.Check(token, callSid, RelayUnderTest.TwilioAccountSid, now.AddSeconds(60 + 6)));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"answered\""));
        // The relay's log lines reach relay.Logs a moment after they are written: wait (bounded) for this one.
        for (var i = 0; i < 500 && !relay.Logs.Any(l => l.Contains("twilio voice webhook answered", StringComparison.Ordinal)); i++) await Task.Delay(20);
        Assert.Contains(relay.Logs, l => l.Contains($"twilio voice webhook answered callSid={callSid}", StringComparison.Ordinal));
        Assert.DoesNotContain(relay.Logs, l => l.Contains(token.Split('.')[2], StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_signed_url_keeps_the_query_string_twilio_requested()
    {
        await using var relay = await StartAsync();
        var form = CallForm(TwilioStreamStart.NewCallSid());
        using var withQuery = await PostAsync(relay, "/twilio/voice?region=us1", form, Sign(VoiceUrl + "?region=us1", form));
        Assert.Equal(HttpStatusCode.OK, withQuery.StatusCode);
        using var withoutIt = await PostAsync(relay, "/twilio/voice?region=us1", form, Sign(VoiceUrl, form));
        Assert.Equal(HttpStatusCode.Forbidden, withoutIt.StatusCode);
    }

    [Fact]
    public async Task Voice_webhooks_without_a_valid_signature_for_this_url_and_account_are_refused()
    {
        await using var relay = await StartAsync();
        var form = CallForm(TwilioStreamStart.NewCallSid());
        var cases = new (string Name, IEnumerable<KeyValuePair<string, string>> Form, string? Signature, HttpStatusCode Expected)[]
        {
            ("missing", form, null, HttpStatusCode.Unauthorized),
            ("garbage", form, "bm90IGEgc2lnbmF0dXJl", HttpStatusCode.Forbidden),
            ("other auth token", form, TwilioWebhookSigner.Sign("another-auth-token", VoiceUrl, form), HttpStatusCode.Forbidden),
            ("other host", form, Sign("https://evil.example/twilio/voice", form), HttpStatusCode.Forbidden),
            ("the wss URL", form, Sign(RelayUnderTest.PublicBase + "/twilio/voice", form), HttpStatusCode.Forbidden),
            ("other path", form, Sign(StatusUrl, form), HttpStatusCode.Forbidden),
            ("tampered parameter", CallForm(TwilioStreamStart.NewCallSid()), Sign(VoiceUrl, form), HttpStatusCode.Forbidden),
        };
        foreach (var (name, body, signature, expected) in cases)
        {
            using var response = await PostAsync(relay, "/twilio/voice", body, signature);
            Assert.True(expected == response.StatusCode, $"{name}: {response.StatusCode}");
            Assert.DoesNotContain("<Response", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Twilio's signature over another account's request is still no call for this relay.
        var otherAccount = CallForm(TwilioStreamStart.NewCallSid(), "AC00000000000000000000000000000002");
        using (var response = await PostAsync(relay, "/twilio/voice", otherAccount, Sign(VoiceUrl, otherAccount)))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        // Signed and of this account, but not a call.
        var noCall = CallForm("CA-not-a-call-sid");
        using (var response = await PostAsync(relay, "/twilio/voice", noCall, Sign(VoiceUrl, noCall)))
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"signature-missing\""));
        Assert.Equal(6, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"signature-invalid\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"account-mismatch\""));
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"voice\",outcome=\"answered\""));
        Assert.DoesNotContain(relay.Logs, l => l.Contains(RelayUnderTest.TwilioToken, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("TwilioAccountSid")]
    [InlineData("TwilioAuthToken")]
    public async Task A_relay_without_twilio_credentials_answers_503_and_says_nothing_secret(string missing)
    {
        await using var relay = await StartAsync((missing, ""));
        var form = CallForm(TwilioStreamStart.NewCallSid());
        using var voice = await PostAsync(relay, "/twilio/voice", form, Sign(VoiceUrl, form));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, voice.StatusCode);
        var text = await voice.Content.ReadAsStringAsync();
        Assert.Contains("not configured", text, StringComparison.Ordinal);
        Assert.DoesNotContain(RelayUnderTest.TwilioToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(RelayUnderTest.TwilioAccountSid, text, StringComparison.Ordinal);
        using var status = await PostAsync(relay, "/twilio/status", form, Sign(StatusUrl, form));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status.StatusCode);
    }

    [Fact]
    public async Task A_signed_status_callback_is_logged_and_answered_204()
    {
        await using var relay = await StartAsync();
        var callSid = TwilioStreamStart.NewCallSid();
        var form = CallForm(callSid, RelayUnderTest.TwilioAccountSid, new KeyValuePair<string, string>("CallDuration", "42")).Select(p => p.Key == "CallStatus" ? new KeyValuePair<string, string>("CallStatus", "completed") : p).ToArray();
        using (var response = await PostAsync(relay, "/twilio/status", form, Sign(StatusUrl, form)))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        for (var i = 0; i < 500 && !relay.Logs.Any(l => l.Contains("twilio status callback", StringComparison.Ordinal)); i++) await Task.Delay(20);
        Assert.Contains(relay.Logs, l => l.Contains($"twilio status callback callSid={callSid} status=completed", StringComparison.Ordinal));

        using (var unsigned = await PostAsync(relay, "/twilio/status", form, null))
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        using (var voiceSigned = await PostAsync(relay, "/twilio/status", form, Sign(VoiceUrl, form)))
            Assert.Equal(HttpStatusCode.Forbidden, voiceSigned.StatusCode);
        var otherAccount = CallForm(callSid, "AC00000000000000000000000000000002");
        using (var other = await PostAsync(relay, "/twilio/status", otherAccount, Sign(StatusUrl, otherAccount)))
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_webhooks_total", "hook=\"status\",outcome=\"recorded\""));
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused_413_before_it_is_read_whole()
    {
        await using var relay = await StartAsync();
        var form = CallForm(TwilioStreamStart.NewCallSid(), RelayUnderTest.TwilioAccountSid, new KeyValuePair<string, string>("Padding", new string('x', 70 * 1024)));
        using var response = await PostAsync(relay, "/twilio/voice", form, Sign(VoiceUrl, form));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("AC123")]
    [InlineData("AC0000000000000000000000000000000g")]
    [InlineData("CA00000000000000000000000000000001")]
    public async Task A_malformed_account_sid_stops_the_relay_at_startup_naming_the_setting_not_the_value(string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(("TwilioAccountSid", value)));
        var failure = Assert.Single(e.Failures);
        Assert.Contains("Relay:TwilioAccountSid", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(value, failure, StringComparison.Ordinal);
    }
}
