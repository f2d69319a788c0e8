using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VoiceEdge.TestSupport;

/// <summary>
/// A real WebSocket voice backend on loopback (Kestrel): first sends a hello with the query string and
/// subprotocol it saw, then echoes every message. The text message "close:&lt;code&gt;:&lt;reason&gt;" makes it
/// close with that code. It records how each call was closed by the relay.
/// </summary>
public sealed class EchoUpstream : IAsyncDisposable
{
    private LoopbackHost _host = null!;

    public ConcurrentQueue<(WebSocketCloseStatus? Code, string? Reason)> ClosesSeen { get; } = new();

    private EchoUpstream() { }

    public Uri BaseUri { get; private set; } = null!;

    public Uri ChatUri => new(BaseUri, "/api/chat");

    public Uri TwilioUri => new(BaseUri, "/twilio");

    public static async Task<EchoUpstream> StartAsync()
    {
        var upstream = new EchoUpstream();
        upstream._host = await LoopbackHost.StartAsync(app => app.Map("/{**path}", upstream.HandleAsync));
        upstream.BaseUri = new Uri(upstream._host.WsBase);
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
                var (count, type) = await ws.ReceiveIntoAsync(buffer);
                if (type == WebSocketMessageType.Close)
                {
                    ClosesSeen.Enqueue((ws.CloseStatus, ws.CloseStatusDescription));
                    if (ws.State == WebSocketState.CloseReceived)
                        await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, ws.CloseStatusDescription, CancellationToken.None);
                    return;
                }
                var text = type == WebSocketMessageType.Text ? Encoding.UTF8.GetString(buffer, 0, count) : "";
                if (text.StartsWith("close:", StringComparison.Ordinal))
                {
                    var parts = text.Split(':', 3);
                    await ws.CloseAsync((WebSocketCloseStatus)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2], CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, count), type, true, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            ClosesSeen.Enqueue((null, "aborted"));
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
