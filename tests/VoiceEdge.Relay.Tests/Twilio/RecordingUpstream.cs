using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Tests.Twilio;

/// <summary>
/// A Twilio-stream backend on loopback (Kestrel) that records every request it gets (any path, upgrade or not) and every
/// whole message, in order, and echoes each message back. It sends nothing first, so a test sees exactly what the relay sent.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private RecordingUpstream(WebApplication app) => _app = app;

    /// <summary>Requests of any kind that reached this backend (a WebSocket upgrade is one).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public ConcurrentQueue<(WebSocketMessageType Type, byte[] Data)> Received { get; } = new();

    public Uri StreamUri { get; private set; } = null!;

    public static async Task<RecordingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new RecordingUpstream(app);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref upstream._requests);
            await next(context);
        });
        app.UseWebSockets();
        app.Map("/{**path}", upstream.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.StreamUri = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/twilio");
        return upstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
        using var ws = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[256 * 1024];
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
                    if (ws.State == WebSocketState.CloseReceived)
                        await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, ws.CloseStatusDescription, CancellationToken.None);
                    return;
                }
                Received.Enqueue((result.MessageType, buffer[..count]));
                await ws.SendAsync(buffer.AsMemory(0, count), result.MessageType, true, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The relay cut the call; what arrived is recorded.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
