using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// Two builds of the relay on one inherited listening socket, as a deploy runs them (systemd passes the same socket
/// to both): the old one, stopped, accepts nothing more but keeps every open call to its end; new calls meanwhile
/// reach the new one, none refused; at the hand-over cap the old one closes what is left with 1012.
/// </summary>
public class HandoverTests
{
    private static Task<RelayUnderTest> StartOnAsync(System.Net.Sockets.Socket listening, Uri upstream, string transport, string build,
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null, params (string Key, string Value)[] more) =>
        RelayUnderTest.StartWithAsync(configure, upstream, null,
            [("ListenFd", LinuxSocket.Dup(listening).ToString(CultureInfo.InvariantCulture)), ("Transport", transport), ("Build", build), .. more]);

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Sockets")]
    public async Task A_relay_serves_an_inherited_listening_socket_and_names_its_build(string transport)
    {
        await using var upstream = await EchoUpstream.StartAsync();
        using var listening = LinuxSocket.Listening();
        await using var relay = await StartOnAsync(listening, upstream.ChatUri, transport, "build-a");
        Assert.Equal(((IPEndPoint)listening.LocalEndPoint!).Port, relay.BaseUri.Port);
        var live = await relay.Http.GetStringAsync("/health/live");
        Assert.Contains("\"build\":\"build-a\"", live, StringComparison.Ordinal);
        using var ws = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        Assert.Contains("/api/chat", await ws.ReceiveTextAsync(), StringComparison.Ordinal);
        Assert.Contains("voice_edge_relay_build_info{build=\"build-a\"} 1", await relay.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Sockets")]
    public async Task The_old_build_keeps_its_calls_while_the_new_one_takes_every_new_call(string transport)
    {
        await using var upstream = await EchoUpstream.StartAsync();
        using var listening = LinuxSocket.Listening();
        var old = await StartOnAsync(listening, upstream.ChatUri, transport, "old");
        var held = new List<ClientWebSocket>();
        for (var i = 0; i < 4; i++)
        {
            var ws = (await old.ConnectAsync(old.ValidToken($"held{i}"))).Socket!;
            await ws.ReceiveTextAsync();
            held.Add(ws);
        }
        await using var next = await StartOnAsync(listening, upstream.ChatUri, transport, "new");
        var oldDrain = old.Services.GetRequiredService<DrainCoordinator>();

        var stopping = old.StopAsync(); // SIGTERM to the old build
        for (var i = 0; i < 200 && !oldDrain.IsHandingOver; i++) await Task.Delay(10);
        Assert.True(oldDrain.IsHandingOver);
        Assert.False(oldDrain.IsDraining, "a hand-over refuses nothing");

        // New calls during the overlap: every one connects, on the new build.
        for (var i = 0; i < 6; i++)
        {
            var (ws, status) = await next.ConnectAsync(next.ValidToken($"new{i}"));
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            Assert.NotNull(ws);
            using (ws)
            {
                await ws.ReceiveTextAsync();
                await ws.SendTextAsync($"new-{i}");
                Assert.Equal($"new-{i}", await ws.ReceiveTextAsync());
                await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }
        }
        Assert.Equal(6, await next.MetricAsync("voice_edge_relay_connections_total", "route=\"chat\""));

        // The old build's calls still carry media both ways, then end on their own.
        Assert.False(stopping.IsCompleted, "the old build exited while it still held calls");
        Assert.Equal(4, oldDrain.OpenCalls);
        for (var i = 0; i < held.Count; i++)
        {
            await held[i].SendTextAsync($"held-{i}");
            Assert.Equal($"held-{i}", await held[i].ReceiveTextAsync());
            await held[i].CloseAsync(WebSocketCloseStatus.NormalClosure, "call over", CancellationToken.None);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, held[i].CloseStatus);
            held[i].Dispose();
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await old.DisposeAsync();
        static bool Named(string l) => l.StartsWith("call ended chat session=held0", StringComparison.Ordinal) && l.Contains(" build=old", StringComparison.Ordinal);
        for (var i = 0; i < 100 && !old.Logs.Any(Named); i++) await Task.Delay(20); // the captured log reaches Logs within 20 ms
        Assert.True(old.Logs.Any(Named),
            string.Join("\n", old.Logs));
    }

    [Fact]
    public async Task At_the_hand_over_cap_the_old_build_closes_what_is_left_with_1012()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        using var listening = LinuxSocket.Listening();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var old = await StartOnAsync(listening, upstream.ChatUri, "Epoll", "old", b => b.Services.AddSingleton<TimeProvider>(clock),
            ("HandoverMaxMinutes", "30"));
        using var ws = (await old.ConnectAsync(old.ValidToken("long"))).Socket!;
        await ws.ReceiveTextAsync();
        var stopping = old.StopAsync();
        var drain = old.Services.GetRequiredService<DrainCoordinator>();
        for (var i = 0; i < 200 && !drain.IsHandingOver; i++) await Task.Delay(10);
        clock.Advance(TimeSpan.FromMinutes(29));
        await ws.SendTextAsync("still here");
        Assert.Equal("still here", await ws.ReceiveTextAsync());
        clock.Advance(TimeSpan.FromMinutes(1));
        var (type, _) = await ws.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(1012, (int)ws.CloseStatus!);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", CancellationToken.None);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await old.DisposeAsync();
    }
}
