using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// One call: opens the upstream WebSocket (passing on the client's subprotocols and query string), accepts the
/// client with the protocol upstream chose, then relays frames both ways unchanged and in order, streaming
/// fragments through one fixed buffer per direction so a slow peer cannot grow memory. A close from either side
/// is passed to the other with its code and reason; idle calls and a drain are closed by the watchdog.
/// </summary>
public sealed class RelaySession(
    IOptions<RelayOptions> options,
    RelayMetrics metrics,
    DrainCoordinator drain,
    Pool.BackendPool pool,
    ILogger<RelaySession> logger)
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);
    private const int MetricsBatch = 64;
    private readonly RelayOptions _o = options.Value;

    public async Task RunAsync(HttpContext context, RelayRoute route, string session)
    {
        var started = Stopwatch.GetTimestamp();
        var stats = new CallStats();
        var aborted = context.RequestAborted;
        using var upstream = new ClientWebSocket();
        upstream.Options.KeepAliveInterval = TimeSpan.FromSeconds(_o.KeepAliveSeconds);
        CallerIdentity.Of(context).ApplyTo(upstream.Options);
        // A gated route (Twilio streams) accepts the client first and opens the upstream only once the start passed.
        var (gated, refused, held) = route.Gate is { } gate ? await GateAsync(context, gate) : (null, null, []);
        if (gated is null)
            foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols) upstream.Options.AddSubProtocol(protocol);

        // Pooled (/api/chat): one slot, one attempt on this path; a failed backend is marked down like on the forwarder.
        using var lease = route.Pooled ? await AcquireAsync(context, route) : null;
        if (route.Pooled && lease is null) return;
        var slot = lease?.Slot;
        var url = slot is null ? route.UpstreamFor(context.Request.QueryString) : slot.UrlFor(context.Request.QueryString, pool.AllowedQueryKeys);
        if (slot?.Pin is { } pin)
            upstream.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && pin.Matches(certificate);
        var (failureCode, failureReason) = refused is not null ? (null, null)
            : lease is { Slot: null } ? (CloseCodes.TryAgainLater, "all voice backends busy")
            : await ConnectAsync(upstream, route, url, aborted);
        // Pooled calls time their backend's PersonaPlex handshake (0x00) from the upgrade just done.
        var handshake = failureCode is null && slot is not null ? Pool.BackendHandshake.For(pool, slot) : null;
        if (lease?.Slot is not null)
        {
            if (failureCode is null) lease.Succeeded();
            else if (!aborted.IsCancellationRequested) lease.Fail();
        }

        var accepted = gated ?? await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = failureCode is null ? upstream.SubProtocol : null,
            KeepAliveInterval = TimeSpan.FromSeconds(_o.KeepAliveSeconds),
        });
        using var client = new SerializedWebSocket(accepted);
        metrics.ConnectionsTotal.WithLabels(route.Name).Inc();
        metrics.ConnectionsOpen.WithLabels(route.Name).Inc();
        using var registration = drain.Register();
        try
        {
            if (refused is not null)
            {
                // The gate already closed the client with this code (1006: it vanished).
                stats.Close(refused.CloseCode == 1006 ? "client" : "relay", (WebSocketCloseStatus)refused.CloseCode);
                return;
            }
            if (failureCode is { } code)
            {
                await client.TryCloseOutputAsync(code, failureReason!, CloseHandshakeTimeout);
                stats.Close("relay", code);
                return;
            }
            using var server = new SerializedWebSocket(upstream);
            if (!await SendHeldAsync(server, held))
            {
                await client.TryCloseOutputAsync(WebSocketCloseStatus.InternalServerError, "voice backend connection lost", CloseHandshakeTimeout);
                stats.Close("upstream", (WebSocketCloseStatus)1006);
                return;
            }
            await RelayAsync(client, server, route, stats, handshake, registration.DrainToken);
        }
        finally
        {
            metrics.Closes.WithLabels(route.Name, stats.ClosedBy, ((int)stats.CloseCode).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            metrics.ConnectionsOpen.WithLabels(route.Name).Dec();
            RelayLog.CallEnded(logger, route.Name, session, CallerIdentity.Of(context).LogUser, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                stats.BytesUp, stats.BytesDown, stats.FramesUp, stats.FramesDown, (int)stats.CloseCode, stats.ClosedBy, _o.Build);
        }
    }

    /// <summary>Accepts the client and runs the start gate: the socket, and the refusal (already sent) or the messages it read.</summary>
    private async Task<(WebSocket? Client, StartGate.GateOutcome? Refused, IReadOnlyList<StartGate.HeldMessage> Held)> GateAsync(HttpContext context, StartGate.TwilioStartGate gate)
    {
        var client = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(_o.KeepAliveSeconds) });
        var (outcome, held) = await StartGate.WebSocketStartGate.RunAsync(client, gate);
        return (client, outcome.Passed ? null : outcome, held);
    }

    /// <summary>The messages read by the start gate, to the upstream unchanged; false when the upstream is already gone (the call ends).</summary>
    private static async Task<bool> SendHeldAsync(SerializedWebSocket server, IReadOnlyList<StartGate.HeldMessage> held)
    {
        try
        {
            foreach (var message in held) await server.SendAsync(message.Data, message.Type, true, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A slot from the pool; null when the queue is full (503 written); a lease without a slot when the wait timed out.</summary>
    private async Task<Pool.BackendLease?> AcquireAsync(HttpContext context, RelayRoute route)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(pool.QueueTimeout.TotalSeconds * Stopwatch.Frequency);
        var (outcome, lease) = await pool.AcquireAsync(deadline, context.RequestAborted);
        if (outcome == Pool.SlotWait.Granted) return lease;
        if (outcome == Pool.SlotWait.TimedOut) return Pool.BackendLease.None;
        metrics.Rejected.WithLabels(route.Name, "backends-busy").Inc();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        await context.Response.WriteAsync("all voice backends busy\n");
        return null;
    }

    private async Task<(WebSocketCloseStatus? Code, string? Reason)> ConnectAsync(ClientWebSocket upstream, RelayRoute route, Uri url, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(_o.UpstreamConnectTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        try
        {
            await upstream.ConnectAsync(url, timeout.Token);
            metrics.UpstreamConnectSeconds.WithLabels(route.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (null, null);
        }
        catch (Exception e) when (e is OperationCanceledException || (e is WebSocketException && timeout.IsCancellationRequested))
        {
            RelayLog.UpstreamTimeout(logger, route.Name, _o.UpstreamConnectTimeoutSeconds);
            return (CloseCodes.TryAgainLater, "voice backend did not answer in time");
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException)
        {
            RelayLog.UpstreamRefused(logger, route.Name, e.Message);
            return (WebSocketCloseStatus.InternalServerError, "voice backend unavailable");
        }
    }

    private async Task RelayAsync(SerializedWebSocket client, SerializedWebSocket server, RelayRoute route, CallStats stats, Pool.BackendHandshake? handshake, CancellationToken drainToken)
    {
        var activity = new ActivityClock();
        using var stop = new CancellationTokenSource();
        var up = PumpAsync(client, server, route, "up", stats, activity);
        var down = PumpAsync(server, client, route, "down", stats, activity, handshake);
        var watchdog = WatchdogAsync(client, server, stats, activity, drainToken, stop.Token);

        var first = await Task.WhenAny(up, down);
        var second = first == up ? down : up;
        // The first side closed (or failed); give the other side a bounded time to finish its close handshake.
        if (await Task.WhenAny(second, Task.Delay(CloseHandshakeTimeout, CancellationToken.None)) != second)
        {
            client.Socket.Abort();
            server.Socket.Abort();
            await second;
        }
        await stop.CancelAsync();
        await watchdog;
    }

    /// <summary>Relays one direction until its source closes or fails; then tells the other side.</summary>
    private async Task PumpAsync(SerializedWebSocket source, SerializedWebSocket destination, RelayRoute route, string direction, CallStats stats, ActivityClock activity,
        Pool.BackendHandshake? handshake = null)
    {
        var sourceSide = direction == "up" ? "client" : "upstream";
        var buffer = ArrayPool<byte>.Shared.Rent(_o.BufferBytes);
        var bytes = metrics.Bytes.WithLabels(route.Name, direction);
        var frames = metrics.Frames.WithLabels(route.Name, direction);
        long messageBytes = 0;
        long pendingBytes = 0, pendingFrames = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await source.Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The source vanished without a close frame (1006): tell the other side.
                    stats.Close(sourceSide, (WebSocketCloseStatus)1006);
                    await destination.TryCloseOutputAsync(WebSocketCloseStatus.InternalServerError,
                        sourceSide == "client" ? "client connection lost" : "voice backend connection lost", CloseHandshakeTimeout);
                    return;
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var code = source.Socket.CloseStatus;
                    stats.Close(sourceSide, code ?? WebSocketCloseStatus.Empty);
                    await destination.TryCloseOutputAsync(CloseCodes.Forwardable(code), source.Socket.CloseStatusDescription ?? "", CloseHandshakeTimeout);
                    return;
                }
                messageBytes += result.Count;
                if (messageBytes > _o.MaxMessageBytes)
                {
                    stats.Close("relay", WebSocketCloseStatus.MessageTooBig);
                    var reason = $"message larger than {_o.MaxMessageBytes} bytes";
                    await Task.WhenAll(
                        source.TryCloseOutputAsync(WebSocketCloseStatus.MessageTooBig, reason, CloseHandshakeTimeout),
                        destination.TryCloseOutputAsync(WebSocketCloseStatus.MessageTooBig, reason, CloseHandshakeTimeout));
                    return;
                }
                // The first message's first byte (a first piece may be empty): PersonaPlex's kind, 0x00 the handshake.
                if (handshake is not null && (result.Count > 0 || result.EndOfMessage))
                {
                    if (result.MessageType == WebSocketMessageType.Binary && result.Count > 0) handshake.FirstByte(buffer[0]);
                    handshake = null;
                }
                try
                {
                    await destination.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                }
                catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // The destination is closing or gone; its own pump reports how.
                    return;
                }
                activity.Touch();
                stats.Add(direction, result.Count, result.EndOfMessage);
                pendingBytes += result.Count;
                if (result.EndOfMessage)
                {
                    pendingFrames++;
                    messageBytes = 0;
                }
                if (pendingFrames >= MetricsBatch) FlushMetrics();
            }
        }
        finally
        {
            FlushMetrics();
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // Counters are shared by every call; adding per frame would make all pumps contend on them.
        void FlushMetrics()
        {
            if (pendingBytes > 0) bytes.Inc(pendingBytes);
            if (pendingFrames > 0) frames.Inc(pendingFrames);
            pendingBytes = 0;
            pendingFrames = 0;
        }
    }

    /// <summary>Closes idle calls (1001) and, when the relay drains, open calls with 1012 (service restart).</summary>
    private async Task WatchdogAsync(SerializedWebSocket client, SerializedWebSocket server, CallStats stats, ActivityClock activity, CancellationToken drainToken, CancellationToken stop)
    {
        var idle = TimeSpan.FromSeconds(_o.IdleTimeoutSeconds);
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 50, 1000));
        using var both = CancellationTokenSource.CreateLinkedTokenSource(drainToken, stop);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, both.Token);
            }
            catch (OperationCanceledException)
            {
                if (stop.IsCancellationRequested) return;
                stats.Close("relay", CloseCodes.ServiceRestart);
                await Task.WhenAll(
                    client.TryCloseOutputAsync(CloseCodes.ServiceRestart, "relay restarting; reconnect", CloseHandshakeTimeout),
                    server.TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "relay restarting", CloseHandshakeTimeout));
                return;
            }
            if (activity.IdleFor > idle)
            {
                stats.Close("relay", WebSocketCloseStatus.EndpointUnavailable);
                await Task.WhenAll(
                    client.TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "idle timeout", CloseHandshakeTimeout),
                    server.TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "idle timeout", CloseHandshakeTimeout));
                return;
            }
        }
    }

    private sealed class ActivityClock
    {
        private long _last = Stopwatch.GetTimestamp();
        public void Touch() => Interlocked.Exchange(ref _last, Stopwatch.GetTimestamp());
        public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Interlocked.Read(ref _last));
    }

    /// <summary>What one call carried, for its log line and close metric. The first close recorded wins.</summary>
    private sealed class CallStats
    {
        private int _closed;
        public long BytesUp, BytesDown, FramesUp, FramesDown;
        public string ClosedBy { get; private set; } = "none";
        public WebSocketCloseStatus CloseCode { get; private set; } = WebSocketCloseStatus.Empty;

        public void Add(string direction, int count, bool endOfMessage)
        {
            if (direction == "up")
            {
                Interlocked.Add(ref BytesUp, count);
                if (endOfMessage) Interlocked.Increment(ref FramesUp);
            }
            else
            {
                Interlocked.Add(ref BytesDown, count);
                if (endOfMessage) Interlocked.Increment(ref FramesDown);
            }
        }

        public void Close(string side, WebSocketCloseStatus code)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                ClosedBy = side;
                CloseCode = code;
            }
        }
    }
}
