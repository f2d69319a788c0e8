using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CsCheck;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// Hostile input against the real relay on Kestrel (loopback) relaying to a real upstream, a bounded number of
/// cases per property. Each property asserts what the README documents for the input, that nothing escaped a
/// handler (no error in the relay's log), that no call was left open, and that a normal call still works after.
/// </summary>
[Trait("Category", "Property")]
public class LiveCallProperties
{
    private static readonly Gen<string> HeaderText = Gen.Frequency(
        (3, Gen.String[Gen.Char[' ', '~'], 0, 120]),
        (1, Gen.String[Gen.Char['\0', 'ÿ'], 0, 60]),
        (1, Generators.Edit("v1.1800000030.sess.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));

    /// <summary>Query text as it can stand in a request line: anything but a space (which would end the target).</summary>
    private static readonly Gen<string> QueryText = Gen.Frequency(
        (3, Gen.String[Gen.Char["abcXYZ019=&%+-._~!$'()*,;:@/?"], 0, 60]),
        (1, Gen.String[Gen.Char['!', '~'], 0, 60]),
        (1, Gen.String[Gen.Char['\0', 'ÿ'].Where(c => c != ' '), 0, 30]));

    private static async Task AssertStillServesAsync(RelayUnderTest relay)
    {
        using var client = (await relay.ConnectAsync(relay.ValidToken("after"))).Socket!;
        await client.ReceiveTextAsync();
        await client.SendTextAsync("still up");
        Assert.Equal("still up", await client.ReceiveTextAsync());
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await AssertNothingLeftAsync(relay);
    }

    private static async Task AssertNothingLeftAsync(RelayUnderTest relay)
    {
        // openCalls counts from the handler's start (before the upgrade) to its end, so 0 means every handler has returned.
        await WaitUntil(async () => JsonDocument.Parse(await (await relay.Http.GetAsync("/health")).Content.ReadAsStringAsync()).RootElement.GetProperty("openCalls").GetInt32() == 0);
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\""));
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"twilio\""));
        Assert.Empty(relay.Errors);
    }

    /// <summary>A canonical query arrives byte for byte; any other arrives escaped so that it decodes to the same bytes.</summary>
    private static void AssertQueryPassed(string sent, string seenByUpstream)
    {
        var seen = seenByUpstream.StartsWith('?') ? seenByUpstream[1..] : seenByUpstream;
        if (QueryOracle.IsCanonical(sent)) Assert.Equal(sent, seen);
        Assert.Equal(QueryOracle.Decode(sent), QueryOracle.Decode(seen));
    }

    [Fact]
    public async Task Any_relay_token_header_is_refused_before_the_upgrade()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await PropertyRun.ForAllAsync(HeaderText, async header =>
        {
            await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat", [(RelayToken.HeaderName, header)]);
            // The contract (relay/README.md): 401 missing (Kestrel trims the spaces around a value), 403 anything
            // else, exactly, for text a header may hold. Other bytes: Kestrel answers 400 itself, and a CR or LF
            // ends the header early, so what the relay sees (if anything) is not the text sent.
            if (header.All(c => c is >= ' ' and <= '~')) Assert.Equal(header.Trim(' ').Length == 0 ? 401 : 403, raw.Status);
            else Assert.Contains(raw.Status, new[] { 400, 401, 403 });
        }, ciCases: 60, print: h => JsonSerializer.Serialize(h));
        await AssertStillServesAsync(relay);
    }

    [Fact]
    public async Task Any_query_reaches_the_upstream_unchanged_or_is_refused_400()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await PropertyRun.ForAllAsync(QueryText, async query =>
        {
            await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat?" + query, [(RelayToken.HeaderName, relay.ValidToken())]);
            Assert.Contains(raw.Status, new[] { 101, 400 });
            if (raw.Status != 101) return;
            using var ws = raw.AsWebSocket();
            AssertQueryPassed(query, JsonDocument.Parse(await Twilio.TwilioStreamStart.PassEchoAsync(ws)).RootElement.GetProperty("query").GetString() ?? "");
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }, ciCases: 60, print: q => JsonSerializer.Serialize(q));
        await AssertStillServesAsync(relay);
    }

    [Fact]
    public async Task Twilio_upgrades_pass_only_with_a_signature_over_the_url_and_query_they_carry()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri);
        var gen = Gen.Select(QueryText, Gen.Int[0, 3], HeaderText);
        await PropertyRun.ForAllAsync(gen, async t =>
        {
            var (query, mode, garbage) = t;
            var target = "/twilio/stream" + (query.Length > 0 ? "?" + query : "");
            var signedUrl = RelayUnderTest.PublicBase + target;
            var header = mode switch
            {
                0 => RelayUnderTest.TwilioSignatureFor(signedUrl),
                1 => RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"),
                2 => garbage,
                _ => null,
            };
            await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, target,
                header is null ? [] : [(TwilioSignature.HeaderName, header)]);
            if (raw.Status == 400) return; // Kestrel refused the request bytes before the relay saw them
            var signedForThis = mode == 0 || (mode == 1 && query.Length == 0);
            // HTTP trims only spaces and tabs around a header value (RFC 9110 section 5.5); what is left must be a signature.
            Assert.Equal(signedForThis ? 101 : header is null || header.Trim(' ', '\t').Length == 0 ? 401 : 403, raw.Status);
            if (raw.Status != 101) return;
            using var ws = raw.AsWebSocket();
            AssertQueryPassed(query, JsonDocument.Parse(await Twilio.TwilioStreamStart.PassEchoAsync(ws)).RootElement.GetProperty("query").GetString() ?? "");
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }, ciCases: 60, print: t => JsonSerializer.Serialize(new { t.Item1, t.Item2, t.Item3 }));
        await AssertStillServesAsync(relay);
    }

    /// <summary>Subprotocol lists as a browser or an attacker may send them: tokens, JWT-like entries, separators, duplicates, empty entries.</summary>
    private static readonly Gen<string> ProtocolList = Gen.Frequency(
            (3, Gen.String[Gen.Char["abcXYZ019-._"], 1, 12]),
            (1, Gen.Const("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln")),
            (1, Gen.String[Gen.Char['!', '~'], 0, 12]),
            (1, Gen.String[Gen.Char['\0', 'ÿ'].Where(c => c is not ('\r' or '\n')), 0, 8]))
        .Array[1, 4]
        .SelectMany(entries => Gen.Int[0, entries.Length - 1].Select(dup => entries.Append(entries[dup]).ToArray()))
        .SelectMany(entries => Gen.Bool.Select(withDuplicate => string.Join(", ", withDuplicate ? entries : entries[..^1])));

    [Fact]
    public async Task Any_subprotocol_list_is_relayed_or_refused_400_before_the_upgrade()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await PropertyRun.ForAllAsync(ProtocolList, async protocols =>
        {
            await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat",
                [(RelayToken.HeaderName, relay.ValidToken()), ("Sec-WebSocket-Protocol", protocols)]);
            Assert.Contains(raw.Status, new[] { 101, 400 });
            if (raw.Status != 101) return;
            using var ws = raw.AsWebSocket();
            var chosen = JsonDocument.Parse(await ws.ReceiveTextAsync()).RootElement.GetProperty("protocol").GetString();
            // Empty list elements are ignored (RFC 9110 section 5.6.1); the echo backend picks the first protocol.
            Assert.Equal(protocols.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.Length > 0), chosen);
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }, ciCases: 60, print: p => JsonSerializer.Serialize(p));
        await AssertStillServesAsync(relay);
    }

    [Fact]
    public async Task Twilio_stream_messages_of_any_shape_are_relayed_unchanged_and_the_call_ends_1000()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri, ("MaxMessageBytes", "1048576"));
        var signature = RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream");
        await PropertyRun.ForAllAsync(Gen.Select(TwilioStreamJson.AnyMessage, Gen.Bool).Array[1, 6], async messages =>
        {
            var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream", o => o.SetRequestHeader(TwilioSignature.HeaderName, signature));
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            using var twilio = ws!;
            await Twilio.TwilioStreamStart.PassEchoAsync(twilio);
            foreach (var (text, binary) in messages)
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                var type = binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                await twilio.SendAsync(bytes, type, true, CancellationToken.None);
                var (gotType, got) = await twilio.ReceiveMessageAsync();
                Assert.Equal(type, gotType);
                Assert.Equal(bytes, got);
            }
            await twilio.CloseAsync(WebSocketCloseStatus.NormalClosure, "stop", CancellationToken.None);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, twilio.CloseStatus);
        }, ciCases: 30, print: m => JsonSerializer.Serialize(m.Select(x => x.Item1)));
        await AssertStillServesAsync(relay);
    }

    /// <summary>Close codes the relay may send a client that breaks the protocol (README, "Relaying").</summary>
    private static readonly int[] DocumentedCloseCodes = [1000, 1001, 1002, 1007, 1009, 1011];

    private static readonly Gen<byte[]> HostileFrame = Gen.Frequency(
        (3, Gen.Select(Gen.Bool, Gen.Int[0, 7], Gen.Int[0, 15], Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))),
                Gen.Byte.Array[0, 300], Gen.Byte.Array[4],
                (fin, rsv, opcode, masked, payload, mask) => WireFrames.Client(fin, rsv % 2 == 0 ? 0 : rsv, opcode, masked, payload, mask))),
        (1, Gen.Select(Gen.Int[0, 0xFFFF], Generators.AnyText, Gen.Byte.Array[4], (code, reason, mask) =>
                WireFrames.Client(true, 0, 8, true, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)], mask))),
        (1, Gen.Byte.Array[1, 64]));

    [Fact]
    public async Task Hostile_client_frames_end_the_call_with_a_documented_close_code()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        // A short idle timeout ends the calls whose frames never complete (the client waits for a close frame).
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("MaxMessageBytes", "1024"), ("IdleTimeoutSeconds", "1"));
        // halfCloseFirst: the client ends its side right after its frames, racing the relay's close (which Kestrel
        // then drops); otherwise it ends its side once the relay's close frame arrived, as a browser does.
        var gen = Gen.Select(HostileFrame.Array[1, 8], Gen.Int[1, 50], Gen.Frequency((1, Gen.Const(true)), (3, Gen.Const(false))));
        var answered = new HashSet<int>();
        await PropertyRun.ForAllAsync(gen, async t =>
        {
            var (frames, chunk, halfCloseFirst) = t;
            await using var raw = await RawClient.UpgradeAsync(relay.BaseUri, "/api/chat", [(RelayToken.HeaderName, relay.ValidToken())]);
            Assert.Equal(101, raw.Status);
            var wire = frames.SelectMany(f => f).ToArray();
            try
            {
                for (var at = 0; at < wire.Length; at += chunk)
                    await raw.Stream.WriteAsync(wire.AsMemory(at, Math.Min(chunk, wire.Length - at)));
                if (halfCloseFirst) raw.ShutdownSend();
            }
            catch (IOException)
            {
                // The relay may close first; what it sent is read below.
            }
            var codes = WireFrames.CloseCodes(halfCloseFirst ? await raw.ReadToEndAsync() : await raw.ReadUntilCloseThenEndAsync());
            // A close the client sent itself goes to the backend, whose answer comes back with the same code.
            var echoed = WireFrames.CloseCodes(wire);
            Assert.All(codes, code => Assert.True(DocumentedCloseCodes.Contains(code) || echoed.Contains(code), $"close code {code}"));
            if (!halfCloseFirst) Assert.NotEmpty(codes); // the relay always ends a call it can answer with a close frame
            lock (answered) answered.UnionWith(codes);
        }, ciCases: 40, print: t => $"chunk {t.Item2}, half-close first {t.Item3}: " + string.Join(" | ", t.Item1.Select(Convert.ToHexString)));
        Assert.Contains(1002, answered); // not vacuous: protocol errors were met and answered
        await AssertStillServesAsync(relay);
    }

    [Fact]
    public async Task Clients_that_vanish_at_any_point_of_the_handshake_or_call_leave_nothing_behind()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        var request = $"GET /api/chat?voice=a HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{RelayToken.HeaderName}: {relay.ValidToken()}\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(request);
        // Where the client stops: inside the request, right after it, or after some bytes of the 101 and frames; then a FIN or a reset.
        var gen = Gen.Select(Gen.Int[0, bytes.Length + 40], Gen.Bool, Gen.Int[0, 3]);
        await PropertyRun.ForAllAsync(gen, async t =>
        {
            var (stopAt, reset, readFirst) = t;
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, relay.BaseUri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(bytes.AsMemory(0, Math.Min(stopAt, bytes.Length)));
            if (stopAt > bytes.Length)
            {
                using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var buffer = new byte[stopAt - bytes.Length];
                for (var i = 0; i < readFirst && await stream.ReadAsync(buffer, guard.Token) > 0; i++) { }
            }
            if (reset) tcp.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            tcp.Close();
        }, ciCases: 40, print: t => $"stop at byte {t.Item1} of {bytes.Length}, {(t.Item2 ? "reset" : "FIN")}, {t.Item3} reads first");
        await AssertStillServesAsync(relay);
    }

    /// <summary>Frames a backend may send: any FIN/RSV/opcode, unmasked as a server's should be or masked as they must not be.</summary>
    private static readonly Gen<byte[]> ServerFrame = Gen.Frequency(
        (3, Gen.Select(Gen.Bool, Gen.Int[0, 7], Gen.Int[0, 15], Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true))),
                Gen.Byte.Array[0, 300], Gen.Byte.Array[4],
                (fin, rsv, opcode, masked, payload, mask) => WireFrames.Client(fin, rsv % 2 == 0 ? 0 : rsv, opcode, masked, payload, mask))),
        (1, Gen.Select(Gen.Int[0, 0xFFFF], Generators.AnyText, (code, reason) =>
                WireFrames.Client(true, 0, 8, false, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)], [0, 0, 0, 0]))),
        (1, Gen.Byte.Array[1, 64]));

    [Fact]
    public async Task Hostile_backends_end_the_call_with_a_documented_close_code()
    {
        await using var backend = new RawUpstream();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null, ("MaxMessageBytes", "1024"));
        var gen = Gen.Select(Gen.Enum<RawUpstream.Reply>(), ServerFrame.Array[0, 6], Gen.Bool);
        var seen = new HashSet<int>();
        await PropertyRun.ForAllAsync(gen, async t =>
        {
            var (reply, frames, reset) = t;
            var wire = frames.SelectMany(f => f).ToArray();
            backend.Answer(_ => new RawUpstream.Script(reply, wire, reset));
            var (ws, status) = await relay.ConnectAsync(relay.ValidToken());
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            using var client = ws!;
            WebSocketCloseStatus? code;
            try
            {
                code = (await client.ReceiveCloseAsync(timeoutSeconds: 20)).Code;
            }
            catch (WebSocketException)
            {
                code = null; // the relay aborted the client: allowed only after the close handshake timed out, never here
            }
            Assert.NotNull(code);
            // Documented: 1011 when the backend fails or breaks the protocol, 1009 above the size limit; a close the
            // backend sent (with a code it may send) is passed on, 1005 as 1000.
            var sent = WireFrames.CloseCodes(wire).Select(c => c == 1005 ? 1000 : c);
            Assert.True(code is WebSocketCloseStatus.InternalServerError or WebSocketCloseStatus.MessageTooBig || sent.Contains((int)code!),
                $"close code {(int?)code}");
            lock (seen) seen.Add((int)code!);
        }, ciCases: 40, print: t => $"{t.Item1}, {(t.Item3 ? "reset" : "FIN")}: " + string.Join(" | ", t.Item2.Select(Convert.ToHexString)));
        Assert.Contains(1011, seen);
        await AssertNothingLeftAsync(relay);
    }

    /// <summary>A hang guard, not a timing assertion.</summary>
    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(20);
        }
    }
}
