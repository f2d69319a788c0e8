using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>The relay on real Kestrel, relaying to a real upstream WebSocket server, both on loopback.</summary>
public class RelayCallTests
{
    [Fact]
    public async Task Relays_text_and_binary_both_ways_in_order_with_query_and_subprotocol()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        var (ws, status) = await relay.ConnectAsync(relay.ValidToken(), "/api/chat?voice=aria&lang=en", o => o.AddSubProtocol("voice-edge"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using var client = ws!;
        Assert.Equal("voice-edge", client.SubProtocol);
        var hello = JsonDocument.Parse(await client.ReceiveTextAsync()).RootElement;
        Assert.Equal("?voice=aria&lang=en", hello.GetProperty("query").GetString());
        Assert.Equal("voice-edge", hello.GetProperty("protocol").GetString());

        for (var i = 0; i < 50; i++)
        {
            if (i % 2 == 0)
            {
                await client.SendTextAsync($"text-{i}");
            }
            else
            {
                await client.SendAsync(new byte[] { (byte)i, 0, 255, (byte)(i * 3) }, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        for (var i = 0; i < 50; i++)
        {
            var (type, data) = await client.ReceiveMessageAsync();
            if (i % 2 == 0)
            {
                Assert.Equal((WebSocketMessageType.Text, $"text-{i}"), (type, Encoding.UTF8.GetString(data)));
            }
            else
            {
                Assert.Equal(WebSocketMessageType.Binary, type);
                Assert.Equal(new byte[] { (byte)i, 0, 255, (byte)(i * 3) }, data);
            }
        }
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task Relays_a_message_at_the_size_limit_and_closes_1009_above_it()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("MaxMessageBytes", "1048576"));
        using var client = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        await client.ReceiveTextAsync();
        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);
        await client.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (_, echoed) = await client.ReceiveMessageAsync();
        Assert.Equal(payload, echoed);

        await client.SendAsync(new byte[1024 * 1024 + 1], WebSocketMessageType.Binary, true, CancellationToken.None);
        var (code, reason) = await client.ReceiveCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, code);
        Assert.Contains("larger than", reason);
    }

    [Fact]
    public async Task Upstream_close_codes_reach_the_client_and_client_codes_reach_upstream()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        using (var client = (await relay.ConnectAsync(relay.ValidToken())).Socket!)
        {
            await client.ReceiveTextAsync();
            await client.SendTextAsync("close:4001:backend says bye");
            Assert.Equal(((WebSocketCloseStatus)4001, "backend says bye"), await client.ReceiveCloseAsync());
        }
        using (var client = (await relay.ConnectAsync(relay.ValidToken())).Socket!)
        {
            await client.ReceiveTextAsync();
            await client.CloseAsync((WebSocketCloseStatus)4002, "caller hung up", CancellationToken.None);
            Assert.Equal((WebSocketCloseStatus)4002, client.CloseStatus);
        }
        await WaitUntil(() => upstream.ClosesSeen.Any(c => c.Code == (WebSocketCloseStatus)4002));
        Assert.Contains(upstream.ClosesSeen, c => c is { Code: (WebSocketCloseStatus)4002, Reason: "caller hung up" });
    }

    [Fact]
    public async Task Upstream_down_closes_the_client_1011_with_a_reason()
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream());
        using var client = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        var (code, reason) = await client.ReceiveCloseAsync(timeoutSeconds: 20);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, code);
        Assert.Equal("voice backend unavailable", reason);
    }

    [Fact]
    public async Task Upstream_that_never_answers_closes_the_client_1013_after_the_connect_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var relay = await RelayUnderTest.StartAsync(new Uri($"ws://127.0.0.1:{port}/api/chat"), null, ("UpstreamConnectTimeoutSeconds", "1"));
        using var client = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        var (code, reason) = await client.ReceiveCloseAsync(timeoutSeconds: 20);
        Assert.Equal((WebSocketCloseStatus)1013, code);
        Assert.Contains("did not answer", reason);
    }

    [Fact]
    public async Task Refuses_before_the_upgrade_401_403_426()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.ConnectAsync(null)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await relay.ConnectAsync("v1.1.s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).Status);
        var expired = relay.Tokens.Mint(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, "old");
        Assert.Equal(HttpStatusCode.Forbidden, (await relay.ConnectAsync(expired)).Status);
        var plain = await relay.Http.GetAsync("/api/chat");
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
        Assert.Equal(2, await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"token-badsignature\"")
            + await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"token-expired\"") + 0
            + (await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"token-malformed\"")));
    }

    [Fact]
    public async Task Over_the_connection_limit_is_refused_429()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("MaxConnections", "2"));
        using var a = (await relay.ConnectAsync(relay.ValidToken("a"))).Socket!;
        using var b = (await relay.ConnectAsync(relay.ValidToken("b"))).Socket!;
        Assert.Equal(HttpStatusCode.TooManyRequests, (await relay.ConnectAsync(relay.ValidToken("c"))).Status);
        await a.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await WaitUntil(async () => await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") == 1);
        var (again, status) = await relay.ConnectAsync(relay.ValidToken("d"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        again!.Dispose();
    }

    [Fact]
    public async Task Sigterm_drain_refuses_new_calls_503_then_closes_open_calls_1012()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("DrainGraceSeconds", "2"));
        using var open = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        await open.ReceiveTextAsync();
        var stopping = relay.StopAsync();
        await WaitUntil(async () => (await relay.Http.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await relay.ConnectAsync(relay.ValidToken("late"))).Status);
        await open.SendTextAsync("still here during the grace period");
        Assert.Equal("still here during the grace period", await open.ReceiveTextAsync());
        var (code, reason) = await open.ReceiveCloseAsync(timeoutSeconds: 30);
        Assert.Equal((WebSocketCloseStatus)1012, code);
        Assert.Contains("restarting", reason);
        await stopping;
    }

    [Theory]
    [InlineData("Epoll", "1")]
    [InlineData("Epoll", "2")]
    [InlineData("Sockets", "1")]
    public async Task Two_hundred_concurrent_calls_relay_and_the_open_gauge_returns_to_zero(string transport, string loops)
    {
        await using var upstream = await EchoUpstream.StartAsync();
        // 200 upstream connects at once on a loaded 2-core runner can outlast the default 5 s connect timeout.
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, null, ("UpstreamConnectTimeoutSeconds", "60"),
            ("Transport", transport), ("EpollThreads", loops));
        var clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i => (await relay.ConnectAsync(relay.ValidToken($"s{i}"))).Socket!));
        // Every call relays a message before the gauge is read, so all 200 are live at that moment.
        await Task.WhenAll(clients.Select(async (c, i) =>
        {
            await c.ReceiveTextAsync();
            await c.SendTextAsync($"call-{i}");
            Assert.Equal($"call-{i}", await c.ReceiveTextAsync());
        }));
        Assert.Equal(200, await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\""));
        await Task.WhenAll(clients.Select(async c =>
        {
            await c.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            c.Dispose();
        }));
        await WaitUntil(async () => await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") == 0);
        Assert.Equal(200, await relay.MetricAsync("voice_edge_relay_connections_total", "route=\"chat\""));
        // A call's close is counted just after its open gauge goes down: the last one may still be on its way.
        string[] closes = [];
        await WaitUntil(async () =>
        {
            closes = (await relay.Http.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("voice_edge_relay_closes_total{route=\"chat\"", StringComparison.Ordinal)).ToArray();
            return closes.Sum(l => double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)) >= 200;
        });
        Assert.True(closes.Single(l => l.Contains("side=\"client\",code=\"1000\"", StringComparison.Ordinal)).EndsWith(" 200", StringComparison.Ordinal),
            "every call closed by the client with 1000: " + string.Join(" | ", closes));
    }

    [Fact]
    public async Task Twilio_stream_requires_a_signature_for_the_public_url()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri);
        var url = RelayUnderTest.PublicBase + "/twilio/stream";
        void Sign(System.Net.WebSockets.ClientWebSocketOptions o, string sig) => o.SetRequestHeader("X-Twilio-Signature", sig);

        var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream", o => Sign(o, RelayUnderTest.TwilioSignatureFor(url)));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        using (var twilio = ws!)
        {
            Assert.Equal("/twilio", JsonDocument.Parse(await Twilio.TwilioStreamStart.PassEchoAsync(twilio)).RootElement.GetProperty("path").GetString());
            const string media = """{"event":"media","streamSid":"MZ1","media":{"payload":"AAAA"}}""";
            await twilio.SendTextAsync(media);
            Assert.Equal(media, await twilio.ReceiveTextAsync());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.ConnectAsync(null, "/twilio/stream")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await relay.ConnectAsync(null, "/twilio/stream", o => Sign(o, "bm90IGEgc2lnbmF0dXJl"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await relay.ConnectAsync(null, "/twilio/stream", o => Sign(o, RelayUnderTest.TwilioSignatureFor("wss://evil.example/twilio/stream")))).Status);
    }

    [Fact]
    public async Task Logs_never_carry_tokens_or_signatures()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri);
        var token = relay.ValidToken("logged-session");
        using (var client = (await relay.ConnectAsync(token)).Socket!)
        {
            await client.ReceiveTextAsync();
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        var signature = RelayUnderTest.TwilioSignatureFor("wss://evil.example/twilio/stream");
        await relay.ConnectAsync(null, "/twilio/stream", o => o.SetRequestHeader("X-Twilio-Signature", signature));
        await WaitUntil(() => relay.Logs.Any(l => l.Contains("session=logged-session", StringComparison.Ordinal)));
        var all = string.Join('\n', relay.Logs);
        Assert.DoesNotContain(token.Split('.')[3], all);
        Assert.DoesNotContain(signature, all);
        Assert.DoesNotContain(RelayUnderTest.SigningKey, all);
    }

    private static async Task WaitUntil(Func<bool> condition) => await WaitUntil(() => Task.FromResult(condition()));

    /// <summary>A hang guard, not a timing assertion: conditions normally hold within milliseconds.</summary>
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
