using System.Text;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// One call on the frame forwarder, once both legs are open (or the upstream failed and only the client's close is
/// awaited): the two directions, the watchdog (idle 1001, drain 1012, keep-alive pings) and what each side is told
/// when the other closes, vanishes, breaks the protocol or sends too much. Once anything starts to close, everything
/// gets <see cref="CloseHandshakeTimeout"/> to finish before both connections are cut.
/// </summary>
public sealed class ForwardedCall : IForwardingEvents, IDisposable
{
    public static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);
    private static readonly ReadOnlyMemory<byte> PingPayload = Encoding.ASCII.GetBytes("voice-edge-relay");

    private readonly RelayOptions _o;
    private readonly LegWriter _toClient;
    private readonly LegWriter _toUpstream;
    private readonly FrameForwarder _up;
    private readonly FrameForwarder? _down;
    private readonly int _downPrefilled;
    private readonly Action _abort;
    private readonly TimeProvider _clock;
    private readonly Stream _client;
    private readonly Transport.EpollSocket?[] _loopSockets;
    private readonly TaskCompletionSource _closing = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CallRecord Record { get; } = new();

    public ForwardedCall(RelayOptions options, RelayMetrics metrics, RelayRoute route, Stream client, UpstreamConnection? upstream,
        byte[] upBuffer, byte[] downBuffer, Action abort, Pool.BackendHandshake? handshake = null, TimeProvider? clock = null)
    {
        _o = options;
        _clock = clock ?? TimeProvider.System;
        _abort = abort;
        _client = client;
        _loopSockets = [(client as Transport.EpollSocketStream)?.Socket, upstream?.Socket];
        _toClient = new LegWriter(client, relayIsClient: false);
        _toUpstream = upstream is null ? LegWriter.Shut() : new LegWriter(upstream.Stream, relayIsClient: true);
        _up = new FrameForwarder(client, _toUpstream, upBuffer, fromClient: true, options.MaxMessageBytes, this,
            metrics.Bytes.WithLabels(route.Name, "up"), metrics.Frames.WithLabels(route.Name, "up"));
        if (upstream is not null)
        {
            _down = new FrameForwarder(upstream.Stream, _toClient, downBuffer, fromClient: false, options.MaxMessageBytes, this,
                metrics.Bytes.WithLabels(route.Name, "down"), metrics.Frames.WithLabels(route.Name, "down"), handshake);
            _downPrefilled = upstream.Prefilled;
        }
    }

    public long BytesUp => _up.PayloadBytes;
    public long BytesDown => _down?.PayloadBytes ?? 0;
    public long FramesUp => _up.Messages;
    public long FramesDown => _down?.Messages ?? 0;

    /// <summary>Closes the client with the relay's code (the upstream failed) and waits for its close reply.</summary>
    public async Task RefuseAsync(int code, string reason)
    {
        Record.Close("relay", code);
        await _toClient.CloseAsync(code, reason);
        _closing.TrySetResult();
        await RunAsync(CancellationToken.None);
    }

    public async Task RunAsync(CancellationToken drainToken)
    {
        Task up, down;
        // The directions run on the event loop (epoll transport) without the request's execution context: nothing in
        // them reads it, and restoring it around every frame's continuation would cost CPU per frame.
        SetContinueOnLoop(true);
        using (ExecutionContext.SuppressFlow())
        {
            up = _up.RunAsync(0);
            down = _down?.RunAsync(_downPrefilled) ?? Task.CompletedTask;
        }
        var both = Task.WhenAll(up, down);
        using var stopWatchdog = new CancellationTokenSource();
        var watchdog = WatchdogAsync(drainToken, stopWatchdog.Token);
        await Task.WhenAny(up, down, _closing.Task);
        if (await Task.WhenAny(both, Task.Delay(CloseHandshakeTimeout, _clock, CancellationToken.None)) != both)
        {
            _abort();
            await both;
        }
        await stopWatchdog.CancelAsync();
        await watchdog;
        // What follows (lingering, metrics, the call's log line) must not hold up the loop's other sockets.
        SetContinueOnLoop(false);
        await Transport.EpollLoop.LeaveLoopThread();
    }

    private void SetContinueOnLoop(bool on)
    {
        foreach (var socket in _loopSockets)
            if (socket is not null) socket.ContinueOnLoop = on;
    }

    /// <summary>The relay closed the client for what it sent (1002, 1007, 1009): it may still be sending.</summary>
    public bool ClientBrokeTheProtocol => Record.ClosedBy == "relay" && Record.CloseCode is 1002 or 1007 or 1009;

    /// <summary>How long the client's leftover bytes are read and dropped after the call, at most.</summary>
    public static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Reads and drops what the client still sends (frames after a protocol error, say) until it ends its side or
    /// <see cref="LingerTimeout"/> passes. Closing a socket with unread input makes the kernel send a reset, and a
    /// reset can destroy the relay's close frame (1002, 1009, ...) before the client reads it (nginx's lingering close).
    /// </summary>
    public async Task LingerAsync(byte[] scratch)
    {
        using var timeout = new CancellationTokenSource(LingerTimeout, _clock);
        try
        {
            while (await _client.ReadAsync(scratch, timeout.Token) > 0) { }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The client is gone or took too long: nothing more to protect.
        }
    }

    public void Dispose()
    {
        _toClient.Dispose();
        _toUpstream.Dispose();
    }

    private static string SideOf(FrameForwarder f) => f.FromClient ? "client" : "upstream";
    private LegWriter SourceLeg(FrameForwarder f) => f.FromClient ? _toClient : _toUpstream;
    private LegWriter OtherLeg(FrameForwarder f) => f.FromClient ? _toUpstream : _toClient;

    public void SourceClosed(FrameForwarder from, int? code) => Record.Close(SideOf(from), code ?? 1005);

    public async Task SourceVanishedAsync(FrameForwarder from)
    {
        Record.Close(SideOf(from), 1006);
        _closing.TrySetResult();
        var other = OtherLeg(from);
        if (other.MidFrame)
        {
            // The vanished side's frame in progress can never end, so no close frame can follow it on the other leg:
            // close that connection now (RFC 6455 7.1.7), as nginx does, instead of holding the call for the close timeout.
            _abort();
            return;
        }
        await other.CloseAsync(1011, from.FromClient ? "client connection lost" : "voice backend connection lost");
    }

    public async Task ProtocolErrorAsync(FrameForwarder from, FrameVerdict verdict)
    {
        Record.Close("relay", 1002);
        _closing.TrySetResult();
        await Task.WhenAll(
            SourceLeg(from).CloseAsync(1002, FrameSequence.Describe(verdict)),
            OtherLeg(from).CloseAsync(1011, from.FromClient ? "client protocol error" : "voice backend protocol error"));
    }

    public async Task TooBigAsync(FrameForwarder from)
    {
        Record.Close("relay", 1009);
        _closing.TrySetResult();
        var reason = $"message larger than {_o.MaxMessageBytes} bytes";
        await Task.WhenAll(_toClient.CloseAsync(1009, reason), _toUpstream.CloseAsync(1009, reason));
    }

    public void DataSeen() => Record.Touch();

    /// <summary>Closes idle calls (1001) and, when the relay drains, open calls with 1012; pings both legs to keep them open.</summary>
    private async Task WatchdogAsync(CancellationToken drainToken, CancellationToken stop)
    {
        var idle = TimeSpan.FromSeconds(_o.IdleTimeoutSeconds);
        var keepAlive = TimeSpan.FromSeconds(_o.KeepAliveSeconds);
        // A quarter of the shorter of the two periods, at most 5 s: each call's timer wakes the thread pool once a tick,
        // which at 2,000 calls and 1 s ticks was 2,000 wake-ups a second (bench/README.md).
        var shorter = keepAlive > TimeSpan.Zero && keepAlive < idle ? keepAlive : idle;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(shorter.TotalMilliseconds / 4, 50, 5000));
        var lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
        using var both = CancellationTokenSource.CreateLinkedTokenSource(drainToken, stop);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, _clock, both.Token);
            }
            catch (OperationCanceledException)
            {
                if (stop.IsCancellationRequested) return;
                Record.Close("relay", 1012);
                _closing.TrySetResult();
                await Task.WhenAll(_toClient.CloseAsync(1012, "relay restarting; reconnect"), _toUpstream.CloseAsync(1001, "relay restarting"));
                return;
            }
            if (Record.IdleFor > idle)
            {
                Record.Close("relay", 1001);
                _closing.TrySetResult();
                await Task.WhenAll(_toClient.CloseAsync(1001, "idle timeout"), _toUpstream.CloseAsync(1001, "idle timeout"));
                return;
            }
            if (keepAlive > TimeSpan.Zero && System.Diagnostics.Stopwatch.GetElapsedTime(lastPing) >= keepAlive)
            {
                lastPing = System.Diagnostics.Stopwatch.GetTimestamp();
                await Task.WhenAll(_toClient.TryPingAsync(PingPayload), _toUpstream.TryPingAsync(PingPayload));
            }
        }
    }
}
