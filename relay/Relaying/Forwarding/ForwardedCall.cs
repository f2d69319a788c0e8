using System.Text;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// One call on the frame forwarder, once both legs are open (or the upstream failed and only the client's close is
/// awaited): the two directions, the watchdog (idle 1001, drain 1012, keep-alive pings) and what each side is told
/// when the other closes, vanishes, breaks the protocol or sends too much. A side the relay fails (a protocol violation,
/// a message over the limit) gets the relay's close frame and then its TCP close (FIN) at once, RFC 6455 7.1.7, as
/// nginx ends a connection; once anything starts to close, the rest gets <see cref="CloseAnswerTimeout"/> for the
/// answering close before both connections are cut. An exception that is not a transport failure (a bug in the relay)
/// ends the call with 1011 both ways and is kept in <see cref="Fault"/> for the call's log: it is never taken for a
/// peer leaving.
/// </summary>
public sealed class ForwardedCall : IForwardingEvents, IDisposable
{
    /// <summary>
    /// How long a close that went out (forwarded, or the relay's own) waits for the answering close. A live peer answers
    /// within its round trip: from the VM, through Cloudflare to a browser on a mobile network, a few hundred ms at worst
    /// (nginx does not wait at all: it is not WebSocket-aware and ends both connections when either side ends TCP). One
    /// second covers that with room for a loaded peer, and a call slot never outlives its call by more. It was 5 s.
    /// </summary>
    public static readonly TimeSpan CloseAnswerTimeout = TimeSpan.FromSeconds(1);
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
    private Exception? _fault;
    private volatile bool _clientFailed;

    public CallRecord Record { get; } = new();

    public ForwardedCall(RelayOptions options, RelayMetrics metrics, RelayRoute route, Stream client, UpstreamConnection? upstream,
        byte[] upBuffer, byte[] downBuffer, Action abort, IFirstDataWatch? upstreamFirstData = null, TimeProvider? clock = null)
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
                metrics.Bytes.WithLabels(route.Name, "down"), metrics.Frames.WithLabels(route.Name, "down"), upstreamFirstData);
            _downPrefilled = upstream.Prefilled;
        }
    }

    public long BytesUp => _up.PayloadBytes;
    public long BytesDown => _down?.PayloadBytes ?? 0;
    public long FramesUp => _up.Messages;
    public long FramesDown => _down?.Messages ?? 0;

    /// <summary>The exception that ended the call, when a bug in the relay did (<see cref="CallOutcome.RelayError"/>).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Closes the client with the relay's code (the upstream failed: <paramref name="refusal"/>) and waits for its close reply.</summary>
    public async Task RefuseAsync(CallOutcome refusal)
    {
        Record.Record(refusal);
        await _toClient.CloseAsync(refusal.Code, refusal.Detail);
        _closing.TrySetResult();
        await RunAsync(CancellationToken.None);
    }

    public async Task RunAsync(CancellationToken drainToken)
    {
        Task up, down;
        // The directions run on the event loop (epoll transport) without the request's execution context: nothing in
        // them reads it, and restoring it around every frame's continuation would cost CPU per frame.
        SetContinueOnLoop(on: true);
        using (ExecutionContext.SuppressFlow())
        {
            up = GuardAsync(_up.RunAsync(0));
            down = _down is null ? Task.CompletedTask : GuardAsync(_down.RunAsync(_downPrefilled));
        }
        var both = Task.WhenAll(up, down);
        using var stopWatchdog = new CancellationTokenSource();
        var watchdog = GuardAsync(WatchdogAsync(drainToken, stopWatchdog.Token));
        await Task.WhenAny(up, down, _closing.Task);
        if (await Task.WhenAny(both, Task.Delay(CloseAnswerTimeout, _clock, CancellationToken.None)) != both)
        {
            _abort();
            await both;
        }
        await stopWatchdog.CancelAsync();
        await watchdog;
        // What follows (lingering, metrics, the call's log line) must not hold up the loop's other sockets.
        SetContinueOnLoop(on: false);
        await Transport.EpollLoop.LeaveLoopThread();
    }

    private void SetContinueOnLoop(bool on)
    {
        foreach (var socket in _loopSockets)
            if (socket is not null) socket.ContinueOnLoop = on;
    }

    /// <summary>
    /// A direction (or the watchdog) threw something that is not a transport failure: a bug. Recorded as the relay's
    /// error (1011 both ways), kept for the call's log line, and never rethrown, so it is logged once, with the call.
    /// </summary>
    private async Task GuardAsync(Task work)
    {
        try
        {
            await work;
        }
        catch (Exception e) when (!LegWriter.IsTransportFailure(e))
        {
            Interlocked.CompareExchange(ref _fault, e, null);
            Record.Record(CallOutcome.RelayError(e));
            _closing.TrySetResult();
            // The legs may be what failed: their closes are tried, and what they throw now is the same bug's echo.
            try
            {
                await Task.WhenAll(_toClient.CloseAsync(1011, "relay error"), _toUpstream.CloseAsync(1011, "relay error"));
            }
            catch (Exception again) when (!LegWriter.IsTransportFailure(again))
            {
            }
        }
    }

    /// <summary>The relay failed the client for what it sent (1002, 1009): it may still be sending, so it is read until it ends.</summary>
    public bool ClientBrokeTheProtocol => _clientFailed;

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
        catch (Exception e) when (LegWriter.IsTransportFailure(e))
        {
            // The client is gone or took too long: nothing more to protect.
        }
    }

    public void Dispose()
    {
        _toClient.Dispose();
        _toUpstream.Dispose();
    }

    private static CallSide SideOf(FrameForwarder f) => f.FromClient ? CallSide.Client : CallSide.Upstream;
    private LegWriter SourceLeg(FrameForwarder f) => f.FromClient ? _toClient : _toUpstream;
    private LegWriter OtherLeg(FrameForwarder f) => f.FromClient ? _toUpstream : _toClient;
    private Transport.EpollSocket? SocketOf(FrameForwarder f) => _loopSockets[f.FromClient ? 0 : 1];

    public void SourceClosed(FrameForwarder from, int? code) => Record.Record(CallOutcome.Closed(SideOf(from), code));

    public async Task SourceVanishedAsync(FrameForwarder from)
    {
        Record.Record(CallOutcome.Vanished(SideOf(from)));
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
        var what = FrameSequence.Describe(verdict);
        Record.Record(CallOutcome.ProtocolError(SideOf(from), what));
        _closing.TrySetResult();
        await Task.WhenAll(
            FailAsync(from, 1002, what),
            OtherLeg(from).CloseAsync(1011, from.FromClient ? "client protocol error" : "voice backend protocol error"));
    }

    public async Task TooBigAsync(FrameForwarder from)
    {
        Record.Record(CallOutcome.TooBig(SideOf(from), _o.MaxMessageBytes));
        _closing.TrySetResult();
        var reason = $"message larger than {_o.MaxMessageBytes} bytes";
        // The offender is mid-message: its answering close could only come after the rest of it, so it is failed.
        await Task.WhenAll(FailAsync(from, 1009, reason), OtherLeg(from).CloseAsync(1009, reason));
    }

    /// <summary>
    /// Fails <paramref name="offender"/>'s connection (RFC 6455 7.1.7): its close frame, then TCP's FIN right behind it,
    /// without waiting for an answering close. What it still sends is read and dropped (the other direction's forwarder
    /// or <see cref="LingerAsync"/>), so unread input cannot turn the close into a reset. On Kestrel's own streams (TLS
    /// in Kestrel, the socket transport) there is no half-close: those wait for the answer as before.
    /// </summary>
    private async Task FailAsync(FrameForwarder offender, int code, string reason)
    {
        if (offender.FromClient) _clientFailed = true;
        var leg = SourceLeg(offender);
        await leg.CloseAsync(code, reason);
        // Closed: the close frame went out (or the leg failed). Not yet: it waits for a frame in progress to end.
        if (leg.Closed && !leg.MidFrame) SocketOf(offender)?.ShutdownSend();
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
                Record.Record(CallOutcome.Draining());
                _closing.TrySetResult();
                await Task.WhenAll(_toClient.CloseAsync(1012, "relay restarting; reconnect"), _toUpstream.CloseAsync(1001, "relay restarting"));
                return;
            }
            if (Record.IdleFor > idle)
            {
                Record.Record(CallOutcome.Idle());
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
