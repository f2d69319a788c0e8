using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>Liveness (/health/live) and readiness (/health) on the real relay, with real backends on loopback.</summary>
public class HealthTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body, string Text)> GetAsync(RelayUnderTest relay, string path)
    {
        var response = await relay.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonDocument.Parse(text).RootElement, text);
    }

    private static string Backend(JsonElement body, string name) => body.GetProperty("backends").GetProperty(name).GetProperty("state").GetString()!;

    private static string[] Unreachable(JsonElement body) => [.. body.GetProperty("unreachable").EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Both_backends_up_ready_200_and_live_200()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri);
        var (status, body, _) = await GetAsync(relay, "/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(("reachable", "reachable"), (Backend(body, "voice"), Backend(body, "twilio")));
        Assert.Equal("Upstream", body.GetProperty("backends").GetProperty("voice").GetProperty("setting").GetString());
        Assert.Empty(Unreachable(body));
        var (liveStatus, live, _) = await GetAsync(relay, "/health/live");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal("live", live.GetProperty("status").GetString());
        Assert.Contains("voice_edge_relay_connections_open", await relay.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Voice_backend_down_ready_503_naming_voice_while_live_stays_200()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), upstream.TwilioUri);
        var (status, body, _) = await GetAsync(relay, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("backend-unreachable", body.GetProperty("status").GetString());
        Assert.Equal(["voice"], Unreachable(body));
        Assert.Equal(("unreachable", "reachable"), (Backend(body, "voice"), Backend(body, "twilio")));
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Twilio_backend_down_ready_503_naming_twilio()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, RelayUnderTest.DeadUpstream());
        var (status, body, _) = await GetAsync(relay, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(["twilio"], Unreachable(body));
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Twilio_route_off_its_backend_is_not_needed()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, RelayUnderTest.DeadUpstream(), ("TwilioAuthToken", ""));
        var (status, body, _) = await GetAsync(relay, "/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("not-configured", Backend(body, "twilio"));
    }

    [Fact]
    public async Task Draining_live_stays_200_and_ready_is_503_draining()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri, upstream.TwilioUri, ("DrainGraceSeconds", "2"));
        using var open = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        await open.ReceiveTextAsync();
        var stopping = relay.StopAsync();
        await WaitUntil(async () => (await relay.Http.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable);
        var (_, ready, _) = await GetAsync(relay, "/health");
        Assert.Equal("draining", ready.GetProperty("status").GetString());
        Assert.True(ready.GetProperty("draining").GetBoolean());
        var (liveStatus, live, _) = await GetAsync(relay, "/health/live");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.True(live.GetProperty("draining").GetBoolean());
        Assert.Equal((WebSocketCloseStatus)1012, (await open.ReceiveCloseAsync()).Code);
        await stopping;
    }

    [Fact]
    public async Task Probes_are_shared_and_cached_so_health_cannot_hammer_the_backends()
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start(backlog: 100);
        var port = ((IPEndPoint)backend.LocalEndpoint).Port;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = TimeSpan.FromSeconds(5);
        var second = TimeSpan.FromSeconds(1);
        await using var relay = await RelayUnderTest.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(clock),
            new Uri($"ws://127.0.0.1:{port}/api/chat"), new Uri($"ws://127.0.0.1:{port}/twilio"),
            ("HealthCacheSeconds", cache.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var first = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => relay.Http.GetAsync("/health")));
        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, AcceptPending(backend)); // one probe for 30 requests, and one for two backends on one host:port

        clock.Advance(cache - second); // still inside the cache
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/health")).StatusCode);
        Assert.Equal(0, AcceptPending(backend));

        clock.Advance(second * 2); // a second past it
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/health")).StatusCode);
        Assert.Equal(1, AcceptPending(backend));

        backend.Stop();
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/health")).StatusCode); // still the cached probe
        clock.Advance(cache + second);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await relay.Http.GetAsync("/health")).StatusCode);
    }

    /// <summary>How many probe connections wait in the listener's queue (accepting each).</summary>
    private static int AcceptPending(TcpListener listener)
    {
        var count = 0;
        while (listener.Pending())
        {
            using var _ = listener.AcceptTcpClient();
            count++;
        }
        return count;
    }

    [Fact]
    public async Task Bodies_carry_no_url_host_or_secret()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        var withSecrets = new Uri($"ws://probe-user:pw-in-url@127.0.0.1:{upstream.ChatUri.Port}/api/chat?key=key-in-query");
        await using var relay = await RelayUnderTest.StartAsync(withSecrets, RelayUnderTest.DeadUpstream());
        var (_, _, ready) = await GetAsync(relay, "/health");
        var (_, _, live) = await GetAsync(relay, "/health/live");
        foreach (var secret in new[] { "pw-in-url", "probe-user", "key-in-query", "127.0.0.1", RelayUnderTest.SigningKey, RelayUnderTest.TwilioToken })
        {
            Assert.DoesNotContain(secret, ready, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, live, StringComparison.Ordinal);
        }
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
