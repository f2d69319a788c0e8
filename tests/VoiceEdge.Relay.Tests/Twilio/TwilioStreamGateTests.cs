using System.Net;
using System.Net.WebSockets;
using System.Text;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// /twilio/stream in Passthrough mode on the frame forwarder: a signed upgrade
/// relays nothing, and opens no backend, until the stream's start carries a valid per-call token for its call and account.
/// </summary>
public class TwilioStreamGateTests
{
    private static async Task<(RecordingUpstream Upstream, RelayUnderTest Relay)> StartAsync()
    {
        var upstream = await RecordingUpstream.StartAsync();
        var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), upstream.StreamUri);
        return (upstream, relay);
    }

    private static async Task<ClientWebSocket> OpenAsync(RelayUnderTest relay)
    {
        var signature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream");
        var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream", o => o.SetRequestHeader("X-Twilio-Signature", signature));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        return ws!;
    }

    /// <summary>Sends <paramref name="messages"/> and expects the relay's close; the backend must have seen nothing at all.</summary>
    private static async Task AssertRefusedAsync(string expectedReason, int expectedCode, params string[] messages)
    {
        var (upstream, relay) = await StartAsync();
        await using (upstream)
        await using (relay)
        {
            using var ws = await OpenAsync(relay);
            foreach (var message in messages) await ws.SendTextAsync(message);
            var (code, reason) = await ws.ReceiveCloseAsync();
            Assert.Equal((WebSocketCloseStatus)expectedCode, code);
            Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
            Assert.Equal(0, upstream.Requests);
            Assert.Empty(upstream.Received);
            // The close reason names what was wrong, never a token.
            Assert.DoesNotContain("t1.", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public Task A_start_without_a_token_is_closed_1008()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        return AssertRefusedAsync("no call token", 1008, TwilioStreamStart.Connected, TwilioStreamStart.Start(callSid, token: null));
    }

    [Fact]
    public Task A_start_with_a_wrong_token_is_closed_1008()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        // Well formed, signed with another key.
        var forged = new TwilioCallToken("another-signing-key-0123456789", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5))
            .Mint(callSid, TwilioStreamStart.AccountSid, DateTimeOffset.UtcNow);
        return AssertRefusedAsync("not valid for this call", 1008, TwilioStreamStart.Connected, TwilioStreamStart.Start(callSid, forged));
    }

    [Fact]
    public Task A_start_with_an_expired_token_is_closed_1008()
    {
        var callSid = TwilioStreamStart.NewCallSid();
        var expired = TwilioStreamStart.Tokens.MintWithExpiry(callSid, TwilioStreamStart.AccountSid, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
        return AssertRefusedAsync("expired", 1008, TwilioStreamStart.Connected, TwilioStreamStart.Start(callSid, expired));
    }

    [Fact]
    public Task A_start_with_another_calls_token_is_closed_1008()
    {
        var otherCallsToken = TwilioStreamStart.TokenFor(TwilioStreamStart.NewCallSid());
        return AssertRefusedAsync("not valid for this call", 1008,
            TwilioStreamStart.Connected, TwilioStreamStart.Start(TwilioStreamStart.NewCallSid(), otherCallsToken));
    }

    [Fact]
    public Task A_start_of_another_account_is_closed_1008_even_with_its_own_token()
    {
        const string otherAccount = "AC00000000000000000000000000000002";
        var callSid = TwilioStreamStart.NewCallSid();
        return AssertRefusedAsync("not for this relay's Twilio account", 1008,
            TwilioStreamStart.Start(callSid, TwilioStreamStart.TokenFor(callSid, otherAccount), otherAccount));
    }

    [Fact]
    public Task Media_before_start_is_closed_1008() =>
        AssertRefusedAsync("expected the start message, got media", 1008,
            TwilioStreamStart.Connected, """{"event":"media","streamSid":"MZ1","media":{"payload":"AAAA"}}""");

    [Fact]
    public Task A_replayed_handshake_that_never_starts_is_closed_1008() =>
        AssertRefusedAsync("expected the start message, got connected", 1008, TwilioStreamStart.Connected, TwilioStreamStart.Connected);

    [Fact]
    public Task A_message_before_start_over_64_KiB_is_closed_1009() =>
        AssertRefusedAsync("larger than 65536 bytes", 1009, new string(' ', 64 * 1024) + "{}");

    [Fact]
    public async Task A_valid_start_opens_the_backend_and_everything_is_relayed_unchanged_connected_and_start_first()
    {
        var (upstream, relay) = await StartAsync();
        await using (upstream)
        await using (relay)
        {
            using var ws = await OpenAsync(relay);
            var callSid = TwilioStreamStart.NewCallSid();
            var token = TwilioStreamStart.TokenFor(callSid);
            var start = TwilioStreamStart.Start(callSid, token);
            const string media = """{"event":"media","streamSid":"MZ1","media":{"payload":"AAAA"}}""";
            await ws.SendTextAsync(TwilioStreamStart.Connected);
            // The start in two fragments: the gate takes whole messages, and passes on the frames as they came.
            var startBytes = Encoding.UTF8.GetBytes(start);
            await ws.SendAsync(startBytes.AsMemory(0, 40), WebSocketMessageType.Text, false, CancellationToken.None);
            await ws.SendAsync(startBytes.AsMemory(40), WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendTextAsync(media);
            Assert.Equal(TwilioStreamStart.Connected, await ws.ReceiveTextAsync());
            Assert.Equal(start, await ws.ReceiveTextAsync());
            Assert.Equal(media, await ws.ReceiveTextAsync());
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "stop", CancellationToken.None);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);

            Assert.Equal(1, upstream.Requests);
            Assert.Equal([TwilioStreamStart.Connected, start, media], upstream.Received.Select(m => Encoding.UTF8.GetString(m.Data)));
            Assert.All(upstream.Received, m => Assert.Equal(WebSocketMessageType.Text, m.Type));
            for (var i = 0; i < 500 && !relay.Logs.Any(l => l.Contains("twilio stream start accepted", StringComparison.Ordinal)); i++) await Task.Delay(20);
            Assert.Contains(relay.Logs, l => l.Contains("twilio stream start accepted", StringComparison.Ordinal) && l.Contains($"callSid={callSid}", StringComparison.Ordinal));
            Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_twilio_stream_starts_total", "outcome=\"passed\""));
            Assert.DoesNotContain(relay.Logs, l => l.Contains(token.Split('.')[2], StringComparison.Ordinal));
        }
    }

    private static Task<RawClient> OpenRawAsync(RelayUnderTest relay) =>
        RawClient.UpgradeAsync(relay.BaseUri, "/twilio/stream",
            [("X-Twilio-Signature", RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"))]);

    [Fact]
    public async Task A_ping_before_start_is_kept_and_the_start_still_passes()
    {
        var (upstream, relay) = await StartAsync();
        await using (upstream)
        await using (relay)
        {
            await using var raw = await OpenRawAsync(relay);
            Assert.Equal(101, raw.Status);
            var callSid = TwilioStreamStart.NewCallSid();
            var start = TwilioStreamStart.Start(callSid, TwilioStreamStart.TokenFor(callSid));
            await raw.Stream.WriteAsync(RawFrames.Concat(
                RawFrames.Build(0x9, "before start"u8),
                RawFrames.Build(0x1, Encoding.UTF8.GetBytes(TwilioStreamStart.Connected)),
                RawFrames.Build(0x1, Encoding.UTF8.GetBytes(start))));
            using var ws = raw.AsWebSocket();
            Assert.Equal(TwilioStreamStart.Connected, await ws.ReceiveTextAsync());
            Assert.Equal(start, await ws.ReceiveTextAsync());
            Assert.Equal([TwilioStreamStart.Connected, start], upstream.Received.Select(m => Encoding.UTF8.GetString(m.Data)));
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_unmasked_frame_before_start_is_closed_1002_and_no_backend_opened()
    {
        var (upstream, relay) = await StartAsync();
        await using (upstream)
        await using (relay)
        {
            await using var raw = await OpenRawAsync(relay);
            Assert.Equal(101, raw.Status);
            await raw.Stream.WriteAsync(RawFrames.Build(0x1, Encoding.UTF8.GetBytes(TwilioStreamStart.Connected), mask: false));
            Assert.Equal([1002], WireFrames.CloseCodes(await raw.ReadUntilCloseThenEndAsync()));
            Assert.Equal(0, upstream.Requests);
        }
    }

    [Fact]
    public async Task Without_an_account_sid_the_stream_is_refused_403_before_the_upgrade()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), upstream.StreamUri, ("TwilioAccountSid", ""));
        var signature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream");
        var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream", o => o.SetRequestHeader("X-Twilio-Signature", signature));
        Assert.Null(ws);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(0, upstream.Requests);
    }
}
