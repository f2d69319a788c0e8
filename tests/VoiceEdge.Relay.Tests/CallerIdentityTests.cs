using System.Net;
using System.Net.WebSockets;
using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// Who is calling, end to end on loopback: the relay on Kestrel passes a v2 token's user and client IP to a real
/// backend as headers, limits concurrent calls per user, names the user in the call's log line, and honours
/// <c>Relay__AcceptV1Tokens</c>.
/// </summary>
public class CallerIdentityTests
{
    private static string V2(RelayUnderTest relay, string user, string? ip, string session = "sess-v2") =>
        relay.Tokens.MintV2(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30, session, user, ip);

    private static async Task CloseAsync(ClientWebSocket ws)
    {
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        ws.Dispose();
    }

    /// <summary>Waits (bounded) until the relay's log has a line for which <paramref name="match"/> holds.</summary>
    private static async Task<string> LogLineAsync(RelayUnderTest relay, Func<string, bool> match)
    {
        for (var i = 0; i < 500; i++)
        {
            if (relay.Logs.FirstOrDefault(match) is { } line) return line;
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException("no such log line; lines: " + string.Join("\n", relay.Logs));
    }

    [Fact]
    public async Task The_backend_gets_the_user_and_client_ip_as_headers_and_the_query_string()
    {
        await using var backend = await HeaderRecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null);
        var vector = TokenFixture.Vector().GetProperty("v2");
        var sub = vector.GetProperty("sub").GetString()!;
        var token = V2(relay, sub, vector.GetProperty("clientIp").GetString());
        var (ws, status) = await relay.ConnectAsync(token, "/api/chat?voice=aria", o =>
        {
            // What a caller might try: none of it may reach the backend.
            o.SetRequestHeader("X-Forwarded-For", "6.6.6.6");
            o.SetRequestHeader("X-Voice-Edge-User", "admin");
        });
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        Assert.True(backend.Upgrades.TryPeek(out var headers));
        var expected = vector.GetProperty("backendHeaders");
        Assert.Equal(expected.GetProperty("X-Voice-Edge-User").GetString(), headers[CallerIdentity.UserHeader]);
        Assert.Equal(sub, Uri.UnescapeDataString(headers[CallerIdentity.UserHeader]));
        Assert.Equal(expected.GetProperty("X-Forwarded-For").GetString(), headers[CallerIdentity.ForwardedForHeader]);
        Assert.Equal("?voice=aria", headers["(query)"]);
        Assert.DoesNotContain(headers.Values, v => v.Contains(token, StringComparison.Ordinal));
        await CloseAsync(ws!);

        var line = await LogLineAsync(relay, l => l.StartsWith("call ended chat session=sess-v2", StringComparison.Ordinal));
        Assert.Contains($"user={Uri.EscapeDataString(sub)} ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(relay.Logs, l => l.Contains(token.Split('.')[^1], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_v1_call_reaches_the_backend_without_user_headers_while_v1_is_accepted()
    {
        await using var backend = await HeaderRecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null);
        var (ws, status) = await relay.ConnectAsync(relay.ValidToken("sess-v1"), configure: o => o.SetRequestHeader("X-Forwarded-For", "6.6.6.6"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        Assert.True(backend.Upgrades.TryPeek(out var headers));
        Assert.False(headers.ContainsKey(CallerIdentity.UserHeader));
        Assert.False(headers.ContainsKey(CallerIdentity.ForwardedForHeader));
        await CloseAsync(ws!);
        Assert.Contains("user=- ", await LogLineAsync(relay, l => l.StartsWith("call ended chat session=sess-v1", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_v1_turned_off_a_genuine_v1_token_is_refused_403_and_counted_as_retired()
    {
        await using var backend = await HeaderRecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null, ("AcceptV1Tokens", "false"));
        var v2Only = new VoiceEdge.Relay.Auth.RelayToken(RelayUnderTest.SigningKey, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        var (_, status) = await relay.ConnectAsync(v2Only.Mint(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30, "old-worker"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"token-retired\""));
        Assert.Empty(backend.Upgrades);
        var (ws, v2Status) = await relay.ConnectAsync(V2(relay, "u", null));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, v2Status);
        await CloseAsync(ws!);
    }

    [Fact]
    public async Task A_users_third_concurrent_call_is_refused_429_while_another_user_connects_and_a_closed_call_frees_its_slot()
    {
        await using var backend = await HeaderRecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null);
        var first = await relay.ConnectAsync(V2(relay, "alice", "203.0.113.7", "a1"));
        var second = await relay.ConnectAsync(V2(relay, "alice", "203.0.113.8", "a2"));
        Assert.Equal((HttpStatusCode.SwitchingProtocols, HttpStatusCode.SwitchingProtocols), (first.Status, second.Status));

        var third = await relay.ConnectAsync(V2(relay, "alice", "203.0.113.9", "a3"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.Status);
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_rejected_total", "route=\"chat\",reason=\"over-user-limit\""));
        Assert.Equal(2, backend.Upgrades.Count);

        var bob = await relay.ConnectAsync(V2(relay, "bob", "198.51.100.1", "b1"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, bob.Status);
        // Another spelling of the user is another user: the limit compares subs exactly.
        var alice2 = await relay.ConnectAsync(V2(relay, "Alice", null, "A1"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, alice2.Status);

        await CloseAsync(first.Socket!);
        await LogLineAsync(relay, l => l.StartsWith("call ended chat session=a1 user=alice ", StringComparison.Ordinal));
        // The slot is released just after the call's log line is written: retry a bounded number of times.
        var again = await relay.ConnectAsync(V2(relay, "alice", "203.0.113.7", "a4"));
        for (var i = 0; i < 100 && again.Status == HttpStatusCode.TooManyRequests; i++)
        {
            await Task.Delay(20);
            again = await relay.ConnectAsync(V2(relay, "alice", "203.0.113.7", "a4"));
        }
        Assert.Equal(HttpStatusCode.SwitchingProtocols, again.Status);

        foreach (var ws in new[] { second.Socket!, bob.Socket!, alice2.Socket!, again.Socket! }) await CloseAsync(ws);
    }

    [Fact]
    public async Task The_per_user_limit_is_a_setting()
    {
        await using var backend = await HeaderRecordingUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(backend.ChatUri, null, ("MaxCallsPerUser", "1"));
        var one = await relay.ConnectAsync(V2(relay, "carol", null, "c1"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, one.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await relay.ConnectAsync(V2(relay, "carol", null, "c2"))).Status);
        await CloseAsync(one.Socket!);
    }
}
