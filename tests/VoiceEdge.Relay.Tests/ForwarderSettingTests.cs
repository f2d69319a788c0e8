using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// One engine: a configuration that still sets Relay__Forwarder (which chose the removed WebSocket pump) starts, says
/// once that the setting is ignored, and relays on the frame forwarder; an HTTP/2 WebSocket is refused with 505.
/// </summary>
public class ForwarderSettingTests
{
    [Theory]
    [InlineData("WebSocket")]
    [InlineData("Frames")]
    public async Task A_config_still_setting_the_forwarder_starts_with_one_warning_naming_it(string value)
    {
        await using var relay = await RelayUnderTest.StartAsync(new Uri("ws://127.0.0.1:9/api/chat"), null, ("Forwarder", value));
        var warnings = relay.Logs.Where(l => l.Contains("Relay:Forwarder=", StringComparison.Ordinal)).ToList();
        Assert.Equal([$"Relay:Forwarder={value} is ignored: the frame forwarder is the relay's only engine since the WebSocket pump was removed (issue 26); remove the setting"],
            warnings);
    }

    [Fact]
    public async Task An_http2_websocket_is_refused_505_before_anything_is_opened()
    {
        await using var relay = await RelayUnderTest.StartWithAsync(
            b => b.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2)),
            RelayUnderTest.DeadUpstream());
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        var (ws, status) = await relay.ConnectAsync(relay.ValidToken(), configure: o =>
        {
            o.HttpVersion = HttpVersion.Version20;
            o.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }, invoker: invoker);
        Assert.Null(ws);
        Assert.Equal(HttpStatusCode.HttpVersionNotSupported, status);
        // The endpoint speaks HTTP/2 only, so /metrics is read over h2c as well.
        using var http = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = relay.BaseUri, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        Assert.Contains("voice_edge_relay_rejected_total{route=\"chat\",reason=\"http2-websocket\"} 1", (await http.GetStringAsync("/metrics")).Split('\n'));
    }
}
