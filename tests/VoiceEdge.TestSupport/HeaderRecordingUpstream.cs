using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VoiceEdge.TestSupport;

/// <summary>
/// A real WebSocket backend on loopback (Kestrel) that records the request headers of every upgrade it accepts, keeps
/// each call open until the other side closes, and answers that close.
/// </summary>
public sealed class HeaderRecordingUpstream : IAsyncDisposable
{
    private LoopbackHost _host = null!;

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Upgrades { get; } = new();

    private HeaderRecordingUpstream() { }

    public Uri ChatUri => _host.Ws("/api/chat");

    public static async Task<HeaderRecordingUpstream> StartAsync()
    {
        var upstream = new HeaderRecordingUpstream();
        upstream._host = await LoopbackHost.StartAsync(app => app.Map("/{**path}", upstream.HandleAsync));
        return upstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        headers["(query)"] = context.Request.QueryString.Value ?? "";
        Upgrades.Enqueue(headers);
        using var ws = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        try
        {
            while ((await ws.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close) { }
            await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, ws.CloseStatusDescription, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The relay went away: nothing to answer.
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
