using System.Net;
using System.Xml.Linq;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Webhooks;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// What Twilio does after <c>&lt;/Connect&gt;</c> when the relay ends the stream (busy 1013, 1011, draining 1012): the
/// voice webhook's TwiML places the call again with a signed-compatible &lt;Redirect&gt; back to itself, counting
/// attempts in the query, and once the bound is reached says sorry and hangs up instead of leaving the caller in silence.
/// </summary>
public class TwimlContinuationTests
{
    private const string VoiceUrl = "https://ws.example.test/twilio/voice";

    private static KeyValuePair<string, string>[] CallForm(string callSid) =>
    [
        new("AccountSid", RelayUnderTest.TwilioAccountSid),
        new("ApiVersion", "2010-04-01"),
        new("CallSid", callSid),
        new("CallStatus", "in-progress"),
        new("Direction", "inbound"),
        new("From", "+12349013030"),
        new("To", "+18005551212"),
    ];

    /// <summary>POSTs the form to the public URL's path and query, signed by Twilio's scheme over that full URL.</summary>
    private static async Task<XElement> FetchTwimlAsync(RelayUnderTest relay, string publicUrl, KeyValuePair<string, string>[] form)
    {
        var url = new Uri(publicUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, url.PathAndQuery) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioWebhookSigner.Sign(RelayUnderTest.TwilioToken, publicUrl, form));
        using var response = await relay.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
    }

    private static string[] Verbs(XElement response) => [.. response.Elements().Select(e => e.Name.LocalName)];

    [Fact]
    public async Task After_connect_the_twiml_redirects_to_the_webhook_twice_then_says_sorry_and_hangs_up()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream());
        var form = CallForm(TwilioStreamStart.NewCallSid());

        var first = await FetchTwimlAsync(relay, VoiceUrl, form);
        Assert.Equal(["Connect", "Redirect"], Verbs(first));
        var redirect = first.Element("Redirect")!;
        Assert.Equal("POST", redirect.Attribute("method")?.Value);
        Assert.Equal(VoiceUrl + "?attempt=1", redirect.Value);

        // Twilio follows the redirect with the call's parameters, signed over the full redirect URL (query included).
        var second = await FetchTwimlAsync(relay, redirect.Value, form);
        Assert.Equal(["Connect", "Redirect"], Verbs(second));
        Assert.Single(second.Elements("Connect").Elements("Stream"));
        Assert.Equal(VoiceUrl + "?attempt=2", second.Element("Redirect")!.Value);

        var last = await FetchTwimlAsync(relay, second.Element("Redirect")!.Value, form);
        Assert.Equal(["Connect", "Say", "Hangup"], Verbs(last));
        Assert.Equal(CallContinuation.Goodbye, last.Element("Say")!.Value);
    }

    [Fact]
    public async Task A_redirect_signed_without_its_query_is_refused()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream());
        var form = CallForm(TwilioStreamStart.NewCallSid());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/twilio/voice?attempt=1") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioWebhookSigner.Sign(RelayUnderTest.TwilioToken, VoiceUrl, form));
        using var response = await relay.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("0", "?attempt=x")]
    [InlineData("0", "?attempt=-1")]
    [InlineData("2", "?attempt=99999")]
    [InlineData("0", "")]
    public async Task The_bound_is_a_setting_and_an_unreadable_attempt_ends_the_call(string attempts, string query)
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, ("TwilioRedirectAttempts", attempts));
        var twiml = await FetchTwimlAsync(relay, VoiceUrl + query, CallForm(TwilioStreamStart.NewCallSid()));
        Assert.Equal(["Connect", "Say", "Hangup"], Verbs(twiml));
    }
}
