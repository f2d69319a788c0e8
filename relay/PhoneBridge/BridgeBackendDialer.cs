using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying.Pool;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// A bridged call's PersonaPlex connection: the open socket, which backend (its URL without the query), the pool slot
/// it holds (freed on dispose), and its handshake clock.
/// </summary>
public sealed class BridgeBackend(ClientWebSocket socket, string name, BackendLease? lease, BackendHandshake? handshake) : IDisposable
{
    public ClientWebSocket Socket { get; } = socket;
    public string Name { get; } = name;
    public BackendHandshake? Handshake { get; } = handshake;

    public void Dispose()
    {
        Socket.Dispose();
        lease?.Dispose();
    }
}

/// <summary>
/// Opens PersonaPlex for a bridged phone call. With <c>Relay:Backends</c> set, the call takes a slot of the same
/// <see cref="BackendPool"/> as /api/chat (a PersonaPlex serves one conversation at a time, so a phone call and a
/// browser call must not land on the same one): it waits up to <c>QueueSeconds</c> for a free slot, dials that
/// backend's URL with its <c>DefaultQuery</c> (a phone call has no caller query) and certificate pin, and when the
/// connect fails marks the backend down and tries the next while one is up, as <c>/api/chat</c> does. Without
/// <c>Backends</c>: the fixed <c>Relay:TwilioUpstream</c>, outside the pool.
/// </summary>
public sealed class BridgeBackendDialer
{
    private readonly BackendPool? _pool;
    private readonly Uri? _fixed;
    private readonly Prometheus.Histogram.Child? _fixedHandshakeSeconds;

    private BridgeBackendDialer(BackendPool? pool, Uri? fixedUrl, Prometheus.Histogram.Child? fixedHandshakeSeconds)
    {
        _pool = pool;
        _fixed = fixedUrl;
        _fixedHandshakeSeconds = fixedHandshakeSeconds;
    }

    /// <summary>DI: the pool when <c>Relay:Backends</c> is set, else <c>Relay:TwilioUpstream</c> (its handshakes still timed per backend).</summary>
    public BridgeBackendDialer(IOptions<RelayOptions> options, BackendPool pool)
        : this(options.Value.Backends.Count > 0 ? pool : null, options.Value.Backends.Count > 0 ? null : options.Value.TwilioUpstream,
            options.Value.Backends.Count > 0 ? null : pool.Metrics.HandshakeSeconds.WithLabels(options.Value.TwilioUpstream!.GetLeftPart(UriPartial.Path)))
    {
    }

    /// <summary>Always the one URL, outside any pool, untimed (the bridge on its own, as in its tests).</summary>
    public static BridgeBackendDialer Fixed(Uri url) => new(null, url, null);

    public bool UsesPool => _pool is not null;

    /// <summary>The connected backend, or how the call ends (nothing left open, no slot held).</summary>
    public async Task<(BridgeBackend? Backend, CallEnd? Failure)> DialAsync(PhoneBridgeOptions options, CancellationToken ct)
    {
        if (_pool is null)
        {
            var (socket, failure) = await ConnectAsync(_fixed!, null, options, ct);
            return socket is null ? (null, failure) : (new BridgeBackend(socket, _fixed!.GetLeftPart(UriPartial.Path), null, _fixedHandshakeSeconds is null ? null : new BackendHandshake(_fixedHandshakeSeconds)), null);
        }
        var pool = _pool;
        var (outcome, pooled, lease, lastFailure) = await pool.ConnectAsync(
            slot => ConnectAsync(slot.UrlFor(QueryString.Empty, pool.AllowedQueryKeys), slot.Pin, options, ct),
            (CallEnd?)CallEnd.BackendUnavailable("no voice backend configured"), ct);
        if (pooled is not null) return (new BridgeBackend(pooled, lease!.Slot!.Name, lease, BackendHandshake.For(pool, lease.Slot)), null);
        // No slot: the relay is stopping, or (queue full or no slot within QueueSeconds) the Twilio stream, already
        // accepted, is closed 1013.
        if (outcome != SlotWait.Granted) return (null, ct.IsCancellationRequested ? CallEnd.Cancelled() : CallEnd.BackendsBusy());
        return (null, lastFailure);
    }

    private static async Task<(ClientWebSocket? Socket, CallEnd? Failure)> ConnectAsync(Uri url, CertificatePin? pin, PhoneBridgeOptions options, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = options.KeepAlive;
        // No callback: the platform's validation. With a pin: exactly the pinned certificate, nothing else.
        if (pin is not null)
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && pin.Matches(certificate);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(url, timeout.Token);
            return (socket, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, CallEnd.Cancelled());
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException)
        {
            socket.Dispose();
            return (null, CallEnd.BackendUnavailable(timeout.IsCancellationRequested ? $"did not answer within {options.ConnectTimeout.TotalSeconds:0} s" : e.Message));
        }
    }
}
