using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A real WebSocket voice backend on loopback (Kestrel): first sends a hello with the query string and
/// subprotocol it saw, then echoes every message. The text message "close:&lt;code&gt;:&lt;reason&gt;" makes it
/// close with that code. It records how each call was closed by the relay.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<(WebSocketCloseStatus? Code, string? Reason)> ClosesSeen { get; } = new();

    private EchoUpstream(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public Uri ChatUri => new(BaseUri, "/api/chat");

    public Uri TwilioUri => new(BaseUri, "/twilio");

    public static async Task<EchoUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new EchoUpstream(app);
        app.UseWebSockets();
        app.Map("/{**path}", upstream.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.BaseUri = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal));
        return upstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
        var protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var ws = await context.WebSockets.AcceptWebSocketAsync(protocol);
        var hello = JsonSerializer.Serialize(new { path = context.Request.Path.Value, query = context.Request.QueryString.Value, protocol });
        await ws.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4 * 1024 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await ws.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosesSeen.Enqueue((ws.CloseStatus, ws.CloseStatusDescription));
                    if (ws.State == WebSocketState.CloseReceived)
                        await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, ws.CloseStatusDescription, CancellationToken.None);
                    return;
                }
                var text = result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(buffer, 0, count) : "";
                if (text.StartsWith("close:", StringComparison.Ordinal))
                {
                    var parts = text.Split(':', 3);
                    await ws.CloseAsync((WebSocketCloseStatus)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, count), result.MessageType, true, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            ClosesSeen.Enqueue((null, "aborted"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
