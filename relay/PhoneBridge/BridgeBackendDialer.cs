using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying.Pool;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// A bridged call's PersonaPlex connection, past its 0x00 handshake: the open socket, which backend (its URL without
/// the query), the pool slot it holds (freed on dispose), and how long the handshake took from the upgrade.
/// </summary>
public sealed class BridgeBackend(ClientWebSocket socket, string name, BackendLease? lease, TimeSpan handshakeAfter) : IDisposable
{
    public ClientWebSocket Socket { get; } = socket;
    public string Name { get; } = name;
    public TimeSpan HandshakeAfter { get; } = handshakeAfter;

    public void Dispose()
    {
        Socket.Dispose();
        lease?.Dispose();
    }
}

/// <summary>
/// Opens PersonaPlex for a bridged phone call and waits for its 0x00 handshake. With <c>Relay:Backends</c> set, the
/// call takes a slot of the same <see cref="BackendPool"/> as /api/chat (a PersonaPlex serves one conversation at a
/// time, so a phone call and a browser call must not land on the same one); without, a pool of one for
/// <c>Relay:TwilioUpstream</c> (capacity 1, same queue rules), so a second phone call queues instead of being
/// upgraded into the first one's silence. It waits up to <c>QueueSeconds</c> for a free slot, dials that backend's
/// URL (pooled: its <c>DefaultQuery</c>, a phone call has no caller query, and its certificate pin), and moves on to
/// the next backend while one is up when the connect fails (the backend is marked down) or when the backend upgrades
/// and then drops the call before its handshake (the real server's answer to a bad query or a missing voice file;
/// marked down after <c>HandshakeDropLimit</c> in a row).
/// </summary>
public sealed class BridgeBackendDialer
{
    private readonly BackendPool? _pool;
    private readonly Uri? _fixed;

    private BridgeBackendDialer(BackendPool? pool, Uri? fixedUrl)
    {
        _pool = pool;
        _fixed = fixedUrl;
    }

    /// <summary>DI: the pool when <c>Relay:Backends</c> is set, else a pool of one for <c>Relay:TwilioUpstream</c>.</summary>
    public BridgeBackendDialer(IOptions<RelayOptions> options, BackendPool pool, ILogger<BackendPool> logger)
        : this(options.Value.Backends.Count > 0 ? pool : BackendPool.OfOne(options.Value.TwilioUpstream!, options.Value, pool.Metrics, logger), null)
    {
    }

    /// <summary>Always the one URL, outside any pool and unlimited (the bridge on its own, as in its tests).</summary>
    public static BridgeBackendDialer Fixed(Uri url) => new(null, url);

    public bool UsesPool => _pool is not null;

    /// <summary>The backend, past its handshake, or how the call ends (nothing left open, no slot held).</summary>
    public async Task<(BridgeBackend? Backend, CallEnd? Failure)> DialAsync(PhoneBridgeOptions options, CancellationToken ct)
    {
        if (_pool is null)
        {
            var (socket, failure, _, after) = await ConnectAsync(_fixed!, null, options, null, ct);
            return socket is null ? (null, failure) : (new BridgeBackend(socket, _fixed!.GetLeftPart(UriPartial.Path), null, after), null);
        }
        var pool = _pool;
        var handshakeAfter = TimeSpan.Zero;
        var (outcome, pooled, lease, lastFailure) = await pool.ConnectAsync<ClientWebSocket, CallEnd?>(async slot =>
        {
            var (socket, failure, cause, after) = await ConnectAsync(slot.UrlFor(QueryString.Empty, pool.AllowedQueryKeys), slot.Pin, options, BackendHandshake.For(pool, slot), ct);
            handshakeAfter = after;
            return (socket, failure, cause);
        }, CallEnd.BackendUnavailable("no voice backend configured"), ct);
        if (pooled is not null) return (new BridgeBackend(pooled, lease!.Slot!.Name, lease, handshakeAfter), null);
        // No slot: the relay is stopping, or (queue full or no slot within QueueSeconds) the Twilio stream, already
        // accepted, is closed 1013.
        if (outcome != SlotWait.Granted) return (null, ct.IsCancellationRequested ? CallEnd.Cancelled() : CallEnd.BackendsBusy());
        return (null, lastFailure);
    }

    /// <summary>Upgrade, then the first message, which must be the 0x00 handshake. Cause null: the backend is not blamed.</summary>
    private static async Task<(ClientWebSocket? Socket, CallEnd? Failure, BackendFailure? Cause, TimeSpan HandshakeAfter)> ConnectAsync(
        Uri url, CertificatePin? pin, PhoneBridgeOptions options, BackendHandshake? timing, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = options.KeepAlive;
        // No callback: the platform's validation. With a pin: exactly the pinned certificate, nothing else.
        if (pin is not null)
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && pin.Matches(certificate);
        // An upgrade under way is finished even when the call ends meanwhile, so the backend gets a clean close (1000)
        // and frees its lock at once instead of noticing a dropped connection.
        using (var timeout = new CancellationTokenSource(options.ConnectTimeout))
        {
            try
            {
                await socket.ConnectAsync(url, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException)
            {
                socket.Dispose();
                return (null, CallEnd.BackendUnavailable(timeout.IsCancellationRequested ? $"did not answer within {options.ConnectTimeout.TotalSeconds:0} s" : e.Message),
                    BackendFailure.Unreachable, default);
            }
        }
        if (ct.IsCancellationRequested)
        {
            await CloseQuietlyAsync(socket);
            socket.Dispose();
            return (null, CallEnd.Cancelled(), null, default);
        }
        var (failure, cause, after) = await AwaitHandshakeAsync(socket, options, timing, ct);
        if (failure is null) return (socket, null, null, after);
        socket.Dispose();
        return (null, failure, cause, after);
    }

    private static async Task<(CallEnd? Failure, BackendFailure? Cause, TimeSpan After)> AwaitHandshakeAsync(
        ClientWebSocket socket, PhoneBridgeOptions options, BackendHandshake? timing, CancellationToken ct)
    {
        var upgradedAt = Stopwatch.GetTimestamp();
        // Cancelling a receive aborts the socket: the call ending while the prompts run sends a close (1000) instead,
        // which PersonaPlex's is_alive reads; the receive then ends with the close's reply.
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout);
        await using var leaving = ct.Register(() => _ = CloseQuietlyAsync(socket));
        var reader = new WholeMessageReader(socket, options.MaxBackendMessageBytes);
        try
        {
            var type = await reader.ReadAsync(timeout.Token);
            var after = Stopwatch.GetElapsedTime(upgradedAt);
            if (ct.IsCancellationRequested) return (CallEnd.Cancelled(), null, default);
            if (type == WebSocketMessageType.Close)
                return (CallEnd.DroppedBeforeHandshake($"closed ({(int?)socket.CloseStatus} {socket.CloseStatusDescription}) before its handshake"), BackendFailure.DroppedBeforeHandshake, after);
            if (type != WebSocketMessageType.Binary || reader.Message.IsEmpty || reader.Message[0] != (byte)PersonaPlexKind.Handshake)
                return (CallEnd.BackendGarbage("its first message is not the 0x00 handshake"), null, after);
            timing?.Seen();
            return (null, null, after);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            return (CallEnd.Cancelled(), null, default);
        }
        catch (OperationCanceledException)
        {
            return (CallEnd.NoHandshake(options.HandshakeTimeout), null, default);
        }
        catch (MessageTooBigException e)
        {
            return (CallEnd.BackendGarbage(e.Message), null, default);
        }
        catch (WebSocketException e)
        {
            return (CallEnd.DroppedBeforeHandshake($"connection lost before its handshake: {e.Message}"), BackendFailure.DroppedBeforeHandshake, Stopwatch.GetElapsedTime(upgradedAt));
        }
    }

    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (socket.State == WebSocketState.Open) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended", timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
