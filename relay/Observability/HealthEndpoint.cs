using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Observability;

/// <summary>
/// GET /health: 200 when the relay can serve; 503 with the reason while draining or when the /api/chat voice
/// backend does not accept a TCP connection within a second (a relay that would close every call is not healthy).
/// </summary>
public static class HealthEndpoint
{
    public static void MapHealth(this WebApplication app) => app.MapGet("/health", async (
        HttpContext context, IOptions<RelayOptions> options, DrainCoordinator drain, ConnectionLimiter limiter) =>
    {
        var upstreamReachable = await CanConnectAsync(options.Value.Upstream!, context.RequestAborted);
        var status = drain.IsDraining ? "draining" : upstreamReachable ? "ok" : "upstream-unreachable";
        return Results.Json(new
        {
            status,
            draining = drain.IsDraining,
            upstreamReachable,
            openCalls = limiter.InUse,
            maxCalls = options.Value.MaxConnections,
        }, statusCode: status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    });

    private static async Task<bool> CanConnectAsync(Uri upstream, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(upstream.Host, upstream.Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
