using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A real WebSocket backend on loopback (Kestrel) that records the request headers of every upgrade it accepts, keeps
/// each call open until the other side closes, and answers that close.
/// </summary>
public sealed class HeaderRecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Upgrades { get; } = new();

    private HeaderRecordingUpstream(WebApplication app) => _app = app;

    public Uri ChatUri { get; private set; } = null!;

    public static async Task<HeaderRecordingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new HeaderRecordingUpstream(app);
        app.UseWebSockets();
        app.Map("/{**path}", upstream.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.ChatUri = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/api/chat");
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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
