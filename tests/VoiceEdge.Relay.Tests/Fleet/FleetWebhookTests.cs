using System.Net;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Tests.Twilio;

namespace VoiceEdge.Relay.Tests.Fleet;

/// <summary>
/// The voice webhook in a fleet (Relay:Name, Relay:Fleet): the real relay "weu" (West Europe) with two other relays whose
/// /health are stand-ins, "eus" (East US) and "aue" (Australia East). The stream goes to the relay nearest Twilio's Region
/// (X-Home-Region) that is ready and least loaded, with a call token naming it; the continuation redirect goes to another
/// relay's webhook and names the stream's relay to avoid.
/// </summary>
public class FleetWebhookTests
{
    private const string VoiceUrl = "https://ws.example.test/twilio/voice";

    private sealed class Fleet : IAsyncDisposable
    {
        public required RelayUnderTest Relay { get; init; }
        public required HealthStandIn Eus { get; init; }
        public required HealthStandIn Aue { get; init; }
        public required HealthStandIn Backend { get; init; }

        public static string StreamUrlOf(HealthStandIn peer) => $"ws://127.0.0.1:{peer.BaseUri.Port}/twilio/stream";

        public static string VoiceUrlOf(HealthStandIn peer) => $"http://127.0.0.1:{peer.BaseUri.Port}/twilio/voice";

        public async ValueTask DisposeAsync()
        {
            await Relay.DisposeAsync();
            await Eus.DisposeAsync();
            await Aue.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    private static (string, string)[] Entry(int i, string name, string url, string region, double lat, double lon) =>
    [
        ($"Fleet:{i}:Name", name), ($"Fleet:{i}:Url", url), ($"Fleet:{i}:Region", region),
        ($"Fleet:{i}:Latitude", lat.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ($"Fleet:{i}:Longitude", lon.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    private static async Task<Fleet> StartAsync(params (string, string)[] more)
    {
        var eus = await HealthStandIn.StartAsync();
        var aue = await HealthStandIn.StartAsync();
        // The relay under test answers on loopback but Twilio knows it as wss://ws.example.test (its PublicBaseUrl).
        (string, string)[] settings =
        [
            ("Name", "weu"),
            .. Entry(0, "weu", "https://ws.example.test", "westeurope", 52.3667, 4.9),
            .. Entry(1, "eus", eus.BaseUri.ToString(), "eastus", 37.3719, -79.8164),
            .. Entry(2, "aue", aue.BaseUri.ToString(), "australiaeast", -33.86, 151.2094),
            .. more,
        ];
        // The relay's own backend must accept a TCP connection for it to count itself ready (a probe is a connect).
        var backend = await HealthStandIn.StartAsync();
        var relay = await RelayUnderTest.StartAsync(new Uri($"ws://127.0.0.1:{backend.BaseUri.Port}/api/chat"), null, settings);
        return new Fleet { Relay = relay, Eus = eus, Aue = aue, Backend = backend };
    }

    private static KeyValuePair<string, string>[] CallForm(string callSid) =>
    [
        new("AccountSid", RelayUnderTest.TwilioAccountSid), new("CallSid", callSid), new("CallStatus", "ringing"),
        new("Direction", "inbound"), new("From", "+61491570156"), new("To", "+18005551212"), new("CallerCountry", "AU"),
    ];

    private static async Task<XElement> RingAsync(RelayUnderTest relay, string publicUrl, string callSid, string? region)
    {
        var form = CallForm(callSid);
        var url = new Uri(publicUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, url.PathAndQuery) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioWebhookSigner.Sign(RelayUnderTest.TwilioToken, publicUrl, form));
        if (region is not null) request.Headers.Add("X-Home-Region", region);
        using var response = await relay.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
    }

    private static string StreamUrl(XElement twiml) => twiml.Element("Connect")!.Element("Stream")!.Attribute("url")!.Value;

    private static string Token(XElement twiml) =>
        twiml.Element("Connect")!.Element("Stream")!.Elements("Parameter").Single(p => p.Attribute("name")?.Value == TwilioCallToken.ParameterName).Attribute("value")!.Value;

    private static string Redirect(XElement twiml) => twiml.Element("Redirect")!.Value;

    private static TwilioCallToken TokensOf(string relay) => new(RelayUnderTest.SigningKey, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), relay);

    [Fact]
    public async Task A_call_handled_in_US1_streams_to_east_us_with_a_token_only_east_us_accepts_and_continues_on_another_relay()
    {
        await using var fleet = await StartAsync();
        var callSid = TwilioStreamStart.NewCallSid();
        var twiml = await RingAsync(fleet.Relay, VoiceUrl, callSid, "us1");
        Assert.Equal(Fleet.StreamUrlOf(fleet.Eus), StreamUrl(twiml));
        var token = Token(twiml);
        Assert.StartsWith("t2.eus.", token, StringComparison.Ordinal);
        Assert.Equal(CallTokenStatus.Valid, TokensOf("eus").Check(token, callSid, RelayUnderTest.TwilioAccountSid, DateTimeOffset.UtcNow));
        Assert.Equal(CallTokenStatus.OtherRelay, TokensOf("weu").Check(token, callSid, RelayUnderTest.TwilioAccountSid, DateTimeOffset.UtcNow));
        // The next nearest ready relay from Virginia is West Europe: this relay, at its public URL.
        Assert.Equal(VoiceUrl + "?attempt=1&avoid=eus", Redirect(twiml));
    }

    [Fact]
    public async Task Twilios_region_decides_not_the_callers_country_and_no_header_means_US1()
    {
        await using var fleet = await StartAsync();
        Assert.Equal(Fleet.StreamUrlOf(fleet.Aue), StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "au1")));
        var ie1 = await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "ie1");
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(ie1));
        Assert.StartsWith("t2.weu.", Token(ie1), StringComparison.Ordinal);
        Assert.Equal(Fleet.StreamUrlOf(fleet.Eus), StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), null)));
        Assert.True(await fleet.Relay.LoggedAsync(l => l.Contains("relay=aue", StringComparison.Ordinal) && l.Contains("twilioRegion=au1", StringComparison.Ordinal)),
            "no placement line for aue in au1");
    }

    [Fact]
    public async Task A_draining_relay_gets_no_call_and_the_health_is_read_at_most_once_per_cache_period()
    {
        await using var fleet = await StartAsync(("FleetHealthCacheSeconds", "1"));
        fleet.Eus.Answer = HealthStandIn.Draining;
        var twiml = await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1");
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(twiml));
        // The continuation goes to the next ready relay that is not the stream's: Australia East.
        Assert.Equal(Fleet.VoiceUrlOf(fleet.Aue) + "?attempt=1&avoid=weu", Redirect(twiml));
        var reads = fleet.Eus.Reads;
        for (var i = 0; i < 5; i++) await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1");
        Assert.Equal(reads, fleet.Eus.Reads);
        // Ready again: after the cache period the next call gets the stale "draining" and reads it again behind the
        // call (a relay known not ready is never waited for); the call after that goes there.
        fleet.Eus.Answer = HealthStandIn.Ok(0);
        await Task.Delay(1100);
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
        await Task.Delay(300);
        Assert.Equal(Fleet.StreamUrlOf(fleet.Eus), StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
    }

    [Fact]
    public async Task A_dead_relay_gets_no_call_and_the_continuation_places_the_call_elsewhere()
    {
        await using var fleet = await StartAsync();
        await fleet.Eus.DisposeAsync(); // its /health now refuses the connection: unknown, behind every ready relay
        var callSid = TwilioStreamStart.NewCallSid();
        var first = await RingAsync(fleet.Relay, VoiceUrl, callSid, "us1");
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(first));
        // The redirect Twilio follows when the stream ends: signed over its full URL, it places the call again, away
        // from the relay named in avoid.
        var again = await RingAsync(fleet.Relay, VoiceUrl + "?attempt=1&avoid=weu", callSid, "us1");
        Assert.Equal(Fleet.StreamUrlOf(fleet.Aue), StreamUrl(again));
        Assert.StartsWith("t2.aue.", Token(again), StringComparison.Ordinal);
        Assert.NotEqual(Token(first), Token(again));
    }

    [Fact]
    public async Task A_relay_the_stack_drains_gets_no_call_and_its_health_is_not_read()
    {
        await using var fleet = await StartAsync(("Fleet:1:Draining", "true"));
        var twiml = await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1");
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(twiml));
        Assert.Equal(0, fleet.Eus.Reads);
    }

    [Fact]
    public async Task A_relay_drained_by_its_own_setting_refuses_calls_says_draining_and_still_places_phone_calls_elsewhere()
    {
        await using var fleet = await StartAsync(("Draining", "true"));
        using var health = await fleet.Relay.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("\"draining\":true", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var (socket, status) = await fleet.Relay.ConnectAsync(fleet.Relay.ValidToken());
        socket?.Dispose();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        // Twilio's webhook on it still answers: the call goes to another relay (Europe's only relay is this one).
        var twiml = await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "ie1");
        Assert.Equal(Fleet.StreamUrlOf(fleet.Eus), StreamUrl(twiml));
    }

    [Fact]
    public async Task A_relay_that_hangs_is_waited_for_once_then_read_in_the_background()
    {
        await using var fleet = await StartAsync(("FleetHealthCacheSeconds", "1"), ("FleetHealthTimeoutMs", "800"));
        fleet.Eus.Hang = true; // accepts, never answers: a VM gone silent
        var first = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
        Assert.True(first.ElapsedMilliseconds >= 700, $"the first call waits for the read ({first.ElapsedMilliseconds} ms)");
        await Task.Delay(1100); // the entry expired: the next call gets the stale "unknown" at once
        var second = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(RelayUnderTest.PublicBase + "/twilio/stream", StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
        Assert.True(second.ElapsedMilliseconds < 600, $"no wait for a relay already known silent ({second.ElapsedMilliseconds} ms)");
        fleet.Eus.Hang = false;
        await Task.Delay(2200); // the background read timed out (unknown) and that entry expired
        await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1"); // stale unknown; reads it again behind
        await Task.Delay(500);
        Assert.Equal(Fleet.StreamUrlOf(fleet.Eus), StreamUrl(await RingAsync(fleet.Relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
    }

    [Fact]
    public async Task Between_equally_near_relays_the_least_loaded_gets_the_call()
    {
        // Two relays in East US: the stand-ins; the one with the smaller share of its limit in use wins.
        var eus = await HealthStandIn.StartAsync();
        var eus2 = await HealthStandIn.StartAsync();
        await using var _1 = eus;
        await using var _2 = eus2;
        eus.Answer = HealthStandIn.Ok(50, 100);
        eus2.Answer = HealthStandIn.Ok(100, 1000);
        await using var relay = await RelayUnderTest.StartAsync(new Uri($"ws://127.0.0.1:{eus.BaseUri.Port}/api/chat"), null,
        [
            ("Name", "weu"),
            .. Entry(0, "weu", "https://ws.example.test", "westeurope", 52.3667, 4.9),
            .. Entry(1, "eusa", eus.BaseUri.ToString(), "eastus", 37.3719, -79.8164),
            .. Entry(2, "eusb", eus2.BaseUri.ToString(), "eastus", 37.3719, -79.8164),
        ]);
        Assert.Equal($"ws://127.0.0.1:{eus2.BaseUri.Port}/twilio/stream", StreamUrl(await RingAsync(relay, VoiceUrl, TwilioStreamStart.NewCallSid(), "us1")));
    }

    [Fact]
    public async Task The_stream_refuses_a_token_that_names_another_relay()
    {
        var upstream = await RecordingUpstream.StartAsync();
        await using var _ = upstream;
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), upstream.StreamUri,
            [("Name", "weu"), .. Entry(0, "weu", "https://ws.example.test", "westeurope", 52.3667, 4.9), .. Entry(1, "eus", "https://ws-eus.example.test", "eastus", 37.37, -79.82)]);
        var signature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream");
        var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream", o => o.SetRequestHeader("X-Twilio-Signature", signature));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var socket = ws!;
        var callSid = TwilioStreamStart.NewCallSid();
        var forEus = TokensOf("eus").MintFor("eus", callSid, RelayUnderTest.TwilioAccountSid, DateTimeOffset.UtcNow);
        await socket.SendTextAsync(TwilioStreamStart.Connected);
        await socket.SendTextAsync(TwilioStreamStart.Start(callSid, forEus));
        var (code, reason) = await socket.ReceiveCloseAsync();
        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1008, code);
        Assert.Contains("names another relay", reason, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Requests);
    }

    [Theory]
    [InlineData("weu", "", "Relay:Name is \"weu\" but Relay:Fleet is empty")]
    [InlineData("West", "", "Relay:Name must be empty")]
    [InlineData("", "weu", "Relay:Name is empty")]
    [InlineData("xyz", "weu", "Relay:Name \"xyz\" is not one of the Relay:Fleet names")]
    public async Task Name_and_fleet_go_together(string name, string fleetName, string expected)
    {
        (string, string)[] settings = fleetName.Length == 0 ? [("Name", name)] : [("Name", name), .. Entry(0, fleetName, "https://ws.example.test", "westeurope", 52.37, 4.9)];
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, settings));
        Assert.Contains(e.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Url", "wss://ws.example.test", "Relay:Fleet:1:Url must be an absolute https:// URL")]
    [InlineData("Url", "http://ws.example.test", "Relay:Fleet:1:Url must be an absolute https:// URL")]
    [InlineData("Url", "https://ws.example.test:8443", "Twilio error 31910")]
    [InlineData("Name", "weu", "Relay:Fleet:1:Name \"weu\" is listed twice")]
    [InlineData("Latitude", "91", "Relay:Fleet:1:Latitude must be a number from -90 to 90")]
    [InlineData("Region", " ", "Relay:Fleet:1:Region")]
    public async Task A_fleet_entry_twilio_or_the_chooser_could_not_use_stops_the_relay_naming_it(string field, string value, string expected)
    {
        (string, string)[] settings =
        [
            ("Name", "weu"), .. Entry(0, "weu", "https://ws.example.test", "westeurope", 52.37, 4.9),
            .. Entry(1, "eus", "https://ws-eus.example.test", "eastus", 37.37, -79.82).Select(s => s.Item1 == $"Fleet:1:{field}" ? (s.Item1, value) : s),
        ];
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, settings));
        Assert.Contains(e.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }
}
