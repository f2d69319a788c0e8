using System.Buffers;
using System.Diagnostics;
using System.Security.Authentication;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// One call on the frame forwarder: opens the upstream (client's subprotocols and query string passed on, no
/// extension offered), accepts the client with the protocol upstream chose, then forwards frames both ways as bytes
/// (<see cref="ForwardedCall"/>). The relay's only engine. It needs the connection's raw bytes, which only an HTTP/1.1
/// upgrade gives: an HTTP/2 WebSocket (RFC 8441 extended CONNECT, one stream of a multiplexed connection) is refused
/// with 505 before anything is opened (Cloudflare and the Worker reach the VM over HTTP/1.1).
/// </summary>
public sealed partial class ForwardingSession(
    IOptions<RelayOptions> options,
    RelayMetrics metrics,
    DrainCoordinator drain,
    Pool.BackendPool pool,
    ILogger<ForwardingSession> logger,
    TimeProvider clock,
    Transport.EpollLoops? loops = null)
{
    private readonly RelayOptions _o = options.Value;

    public async Task RunAsync(HttpContext context, RelayRoute route, string session)
    {
        if (!ClientUpgrade.CanUpgrade(context))
        {
            metrics.Rejected.WithLabels(route.Name, "http2-websocket").Inc();
            context.Response.StatusCode = StatusCodes.Status505HttpVersionNotsupported;
            await context.Response.WriteAsync("WebSocket over HTTP/2 is not supported; connect over HTTP/1.1\n");
            return;
        }
        var started = Stopwatch.GetTimestamp();
        var upBuffer = ArrayPool<byte>.Shared.Rent(_o.BufferBytes);
        var downBuffer = ArrayPool<byte>.Shared.Rent(_o.BufferBytes);
        UpstreamConnection? upstream = null;
        Pool.BackendLease? lease = null;
        ForwardedCall? call = null;
        try
        {
            var (connected, held, failure) = route.Gate is not null ? default
                : route.Pooled ? await ConnectPooledAsync(route, context, downBuffer)
                : await ConnectAsync(route, route.UpstreamFor(context.Request.QueryString), null, context, downBuffer);
            upstream = connected;
            lease = held;
            // Pooled calls time their backend's PersonaPlex handshake (0x00) from the upgrade just done.
            var handshake = lease?.Slot is { } slot ? Pool.BackendHandshake.For(pool, slot) : null;
            if (ReferenceEquals(failure, QueueFull))
            {
                // Refused before the upgrade: the queue is full, so waiting could not help.
                metrics.Rejected.WithLabels(route.Name, "backends-busy").Inc();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                await context.Response.WriteAsync("all voice backends busy\n");
                return;
            }
            // Counted before the 101 goes out, so a client that sees its upgrade also sees itself in the open gauge.
            metrics.ConnectionsTotal.WithLabels(route.Name).Inc();
            metrics.ConnectionsOpen.WithLabels(route.Name).Inc();
            using var registration = drain.Register();
            var outcome = CallOutcome.Open;
            Exception? fault = null;
            try
            {
                var client = await ClientUpgrade.AcceptAsync(context, upstream?.SubProtocol);
                if (await ClientUpgrade.TakeOverAsync(context) is { } taken) client = taken;
                if (route.Gate is { } gate)
                {
                    (upstream, failure) = await PassGateThenConnectAsync(gate, client, route, context, downBuffer);
                    if (failure is { ClosedBy: CallSide.Client })
                    {
                        outcome = failure; // gone before the gate decided: nothing to close
                        return;
                    }
                }
                call = new ForwardedCall(_o, metrics, route, client, upstream, upBuffer, downBuffer, () =>
                {
                    context.Abort();
                    upstream?.Stream.Dispose();
                }, handshake, clock);
                if (upstream is null) await call.RefuseAsync(failure!);
                else await call.RunAsync(registration.DrainToken);
                if (call.ClientBrokeTheProtocol) await call.LingerAsync(upBuffer);
                outcome = call.Record.Outcome;
                fault = call.Fault;
            }
            catch (Exception e) when (!LegWriter.IsTransportFailure(e))
            {
                // A bug outside the two directions (the upgrade, the start gate, the call's set-up): the same one line.
                fault = e;
                outcome = CallOutcome.RelayError(e);
                context.Abort();
            }
            finally
            {
                await Transport.EpollLoop.LeaveLoopThread();
                call?.Dispose();
                if (outcome == CallOutcome.Open) outcome = call?.Record.Outcome ?? CallOutcome.Vanished(CallSide.Client);
                if (fault is not null) ForwardingLog.RelayError(logger, fault, route.Name, session);
                // Upgraded, then closed or gone before it sent anything (its 0x00): the pool's backend failure, as on the
                // phone bridge. Not retried: the client has its 101 and may have sent audio.
                if (handshake is { Spoke: false } && outcome.ClosedBy == CallSide.Upstream) lease?.Fail(Pool.BackendFailure.DroppedBeforeHandshake);
                // The close is counted before the open gauge drops, so whoever sees a call gone also sees how it ended.
                metrics.Closes.WithLabels(route.Name, outcome.SideLabel, outcome.CodeLabel).Inc();
                metrics.ConnectionsOpen.WithLabels(route.Name).Dec();
                RelayLog.CallEnded(logger, route.Name, session, CallerIdentity.Of(context).LogUser, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    call?.BytesUp ?? 0, call?.BytesDown ?? 0, call?.FramesUp ?? 0, call?.FramesDown ?? 0, outcome.Code, outcome.SideLabel, outcome.Reason, _o.Build);
            }
        }
        catch (Exception e) when (!LegWriter.IsTransportFailure(e) && !context.Response.HasStarted)
        {
            // A bug before the upgrade (dialling the backend, the pool): the same one line with the session, and a 500.
            ForwardingLog.RelayError(logger, e, route.Name, session);
            metrics.Rejected.WithLabels(route.Name, "relay-error").Inc();
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
        finally
        {
            if (upstream is not null) await upstream.DisposeAsync();
            lease?.Dispose();
            ArrayPool<byte>.Shared.Return(upBuffer);
            ArrayPool<byte>.Shared.Return(downBuffer);
        }
    }

    /// <summary>The pool's queue is full: refused with 503 before the upgrade (never a close, so never recorded).</summary>
    private static readonly CallOutcome QueueFull = CallOutcome.Refused(1013, "backends-queue-full", "all voice backends busy");

    private static readonly CallOutcome UpstreamUnavailable = CallOutcome.Refused(1011, "upstream-unavailable", "voice backend unavailable");

    /// <summary>A backend slot of the pool and its upstream (<see cref="Pool.BackendPool.ConnectAsync"/>); a full queue is <see cref="QueueFull"/>.</summary>
    private async Task<(UpstreamConnection? Upstream, Pool.BackendLease? Lease, CallOutcome? Failure)> ConnectPooledAsync(RelayRoute route, HttpContext context, byte[] buffer)
    {
        var (wait, upstream, lease, failure) = await pool.ConnectAsync<UpstreamConnection, CallOutcome?>(async slot =>
        {
            var (connected, _, refusal) = await ConnectAsync(route, slot.UrlFor(context.Request.QueryString, pool.AllowedQueryKeys), slot.Pin, context, buffer);
            return (connected, refusal);
        }, UpstreamUnavailable, context.RequestAborted);
        return wait switch
        {
            Pool.SlotWait.QueueFull => (null, null, QueueFull),
            Pool.SlotWait.TimedOut => (null, null, CallOutcome.Refused(1013, "backends-busy", "all voice backends busy")),
            _ => (upstream, lease, failure),
        };
    }

    private async Task<(UpstreamConnection? Upstream, Pool.BackendLease? Lease, CallOutcome? Failure)> ConnectAsync(RelayRoute route, Uri url, Pool.CertificatePin? pin, HttpContext context, byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(_o.UpstreamConnectTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        try
        {
            var upstream = await UpstreamHandshake.ConnectAsync(url,
                route.Gate is null ? [.. context.WebSockets.WebSocketRequestedProtocols] : [], buffer, timeout.Token, CallerIdentity.Of(context).BackendHeaders, pin, loops, _o.SocketSendBufferBytes);
            metrics.UpstreamConnectSeconds.WithLabels(route.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (upstream, null, null);
        }
        catch (OperationCanceledException)
        {
            RelayLog.UpstreamTimeout(logger, route.Name, _o.UpstreamConnectTimeoutSeconds);
            return (null, null, CallOutcome.Refused(1013, "upstream-timeout", "voice backend did not answer in time"));
        }
        catch (Exception e) when (e is UpstreamRefusedException or IOException or SocketException or AuthenticationException)
        {
            RelayLog.UpstreamRefused(logger, route.Name, e.Message);
            return (null, null, UpstreamUnavailable);
        }
    }
}
