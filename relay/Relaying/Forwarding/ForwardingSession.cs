using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Authentication;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// One call on the frame forwarder: opens the upstream (client's subprotocols and query string passed on, no
/// extension offered), accepts the client with the protocol upstream chose, then forwards frames both ways as bytes
/// (<see cref="ForwardedCall"/>). Behaves like <see cref="RelaySession"/> at the edges (same refusals, close codes,
/// metrics and log line) at a fraction of the cost per frame. HTTP/2 WebSocket requests go to the WebSocket pump.
/// </summary>
public sealed class ForwardingSession(
    IOptions<RelayOptions> options,
    RelayMetrics metrics,
    DrainCoordinator drain,
    RelaySession pump,
    ILogger<ForwardingSession> logger)
{
    private readonly RelayOptions _o = options.Value;

    public async Task RunAsync(HttpContext context, RelayRoute route, string session)
    {
        if (!ClientUpgrade.CanUpgrade(context))
        {
            await pump.RunAsync(context, route, session);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        var upBuffer = ArrayPool<byte>.Shared.Rent(_o.BufferBytes);
        var downBuffer = ArrayPool<byte>.Shared.Rent(_o.BufferBytes);
        UpstreamConnection? upstream = null;
        ForwardedCall? call = null;
        try
        {
            var (connected, failureCode, failureReason) = await ConnectAsync(route, context, downBuffer);
            upstream = connected;
            // Counted before the 101 goes out, so a client that sees its upgrade also sees itself in the open gauge.
            metrics.ConnectionsTotal.WithLabels(route.Name).Inc();
            metrics.ConnectionsOpen.WithLabels(route.Name).Inc();
            using var registration = drain.Register();
            try
            {
                var client = await ClientUpgrade.AcceptAsync(context, upstream?.SubProtocol);
                call = new ForwardedCall(_o, metrics, route, client, upstream, upBuffer, downBuffer, () =>
                {
                    context.Abort();
                    upstream?.Stream.Dispose();
                });
                if (upstream is null) await call.RefuseAsync(failureCode, failureReason!);
                else await call.RunAsync(registration.DrainToken);
                if (call.ClientBrokeTheProtocol) await call.LingerAsync(upBuffer);
            }
            finally
            {
                call?.Dispose();
                metrics.ConnectionsOpen.WithLabels(route.Name).Dec();
                var record = call?.Record;
                var code = record?.CloseCode ?? 1006;
                var closedBy = record?.ClosedBy ?? "relay";
                metrics.Closes.WithLabels(route.Name, closedBy, code.ToString(CultureInfo.InvariantCulture)).Inc();
                RelayLog.CallEnded(logger, route.Name, session, CallerIdentity.Of(context).LogUser, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    call?.BytesUp ?? 0, call?.BytesDown ?? 0, call?.FramesUp ?? 0, call?.FramesDown ?? 0, code, closedBy);
            }
        }
        finally
        {
            if (upstream is not null) await upstream.DisposeAsync();
            ArrayPool<byte>.Shared.Return(upBuffer);
            ArrayPool<byte>.Shared.Return(downBuffer);
        }
    }

    private async Task<(UpstreamConnection? Upstream, int Code, string? Reason)> ConnectAsync(RelayRoute route, HttpContext context, byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(_o.UpstreamConnectTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        try
        {
            var upstream = await UpstreamHandshake.ConnectAsync(route.UpstreamFor(context.Request.QueryString),
                [.. context.WebSockets.WebSocketRequestedProtocols], buffer, timeout.Token, CallerIdentity.Of(context).BackendHeaders);
            metrics.UpstreamConnectSeconds.WithLabels(route.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (upstream, 0, null);
        }
        catch (OperationCanceledException)
        {
            RelayLog.UpstreamTimeout(logger, route.Name, _o.UpstreamConnectTimeoutSeconds);
            return (null, 1013, "voice backend did not answer in time");
        }
        catch (Exception e) when (e is UpstreamRefusedException or IOException or SocketException or AuthenticationException)
        {
            RelayLog.UpstreamRefused(logger, route.Name, e.Message);
            return (null, 1011, "voice backend unavailable");
        }
    }
}
