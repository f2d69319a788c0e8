using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// One phone call bridged between Twilio Media Streams and PersonaPlex.
/// <para>
/// Caller to model: each <c>media</c> event's mu-law goes through <see cref="CallerToModel"/> and each Ogg
/// page is sent as a 0x01 message, but only once PersonaPlex has sent its 0x00 handshake. Audio before it is
/// dropped, not held: PersonaPlex consumes its input in real time, so audio held for the seconds its prompt
/// processing takes and then sent in a burst would stay queued in front of everything the caller says
/// next, adding those seconds of delay for the rest of the call; the caller is not yet hearing the model,
/// so there is nothing to answer yet. The dropped frames are counted and logged.
/// </para>
/// <para>
/// Model to caller: 0x01 messages go through <see cref="ModelToCaller"/> into the <see cref="JitterPacer"/>,
/// which plays them on the call's <c>streamSid</c> every 20 ms; 0x02 text goes to the call log and the
/// transcript metrics, never into the audio. Whichever side ends first decides how both are closed
/// (<see cref="CallEnd"/>); when the backend ends, what the pacer still holds is played out first.
/// </para>
/// </summary>
public sealed class PhoneBridgeSession
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FlushMargin = TimeSpan.FromSeconds(1);

    private readonly WebSocket _twilio;
    private readonly BridgeBackendDialer _dialer;
    private readonly string _session;
    private readonly PhoneBridgeOptions _options;
    private readonly PhoneBridgeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Relaying.StartGate.TwilioStartGate? _gate;
    private JitterPacer _pacer = null!;
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _streamSid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _transcript = new();
    private volatile ClientWebSocket? _backend;
    private long _droppedBeforeHandshake;
    private long _framesUp;
    private long _framesDown;
    private long _holdFrames;

    public PhoneBridgeSession(WebSocket twilio, BridgeBackendDialer dialer, string session, PhoneBridgeOptions options, PhoneBridgeMetrics metrics, ILogger logger,
        Relaying.StartGate.TwilioStartGate? gate = null)
    {
        _gate = gate;
        _twilio = twilio;
        _dialer = dialer;
        _session = session;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Runs the call to its end; never throws for anything either peer does. <paramref name="ct"/> is the relay
    /// stopping (a drain): the call is then closed, 1012 to Twilio.
    /// </summary>
    public async Task<CallEnd> RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var pacer = new JitterPacer(_options.JitterPrimeFrames, _options.JitterMaxFrames);
        _pacer = pacer;
        var (start, refused) = await PassGateAsync();
        if (refused is not null)
        {
            Finish(refused, started);
            return refused;
        }
        if (start is not null && start.MediaFormat != TwilioMediaFormat.MuLaw8kMono)
        {
            var unsupported = CallEnd.UnsupportedFormat(start.MediaFormat);
            await CloseAsync(_twilio, unsupported.ToTwilio, unsupported.Detail, waitForReply: true);
            Finish(unsupported, started);
            return unsupported;
        }
        using var caller = new CallerToModel(OpusCodecs.CreateEncoder(_options.PreferNativeOpus), (uint)Random.Shared.Next());
        using var model = new ModelToCaller(OpusCodecs.CreateDecoder(_options.PreferNativeOpus));
        // Twilio is read from now on, while the backend is dialled and runs its prompts (seconds): media before the
        // handshake are dropped as they come, and a caller who hangs up meanwhile ends the dial.
        var fromTwilio = ReadTwilioAsync(caller, start, CancellationToken.None);
        // The pacer runs from Twilio's start: until the model's first frame it plays the hold signal (when on), so the
        // caller hears a live line through the dial, the queue and the handshake instead of silence.
        using var stop = new CancellationTokenSource();
        var pacing = PaceAsync(stop.Token);
        using var dialing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var dial = _dialer.DialAsync(_options, dialing.Token);
        if (await Task.WhenAny(fromTwilio, dial) == fromTwilio)
        {
            await dialing.CancelAsync();
            (await dial).Backend?.Dispose();
            await stop.CancelAsync();
            await pacing;
            var left = await fromTwilio;
            await CloseAsync(_twilio, left.ToTwilio, left.Detail, waitForReply: true);
            Finish(left, started);
            return left;
        }
        // Disposed at every exit below: frees the backend's pool slot (if it holds one) once the call is over.
        var (dialed, end) = await dial;
        if (dialed is null)
        {
            end ??= CallEnd.BackendUnavailable("not connected");
            await stop.CancelAsync();
            await pacing;
            await CloseAsync(_twilio, end.ToTwilio, end.Detail, waitForReply: false);
            await WaitOrAbortAsync(fromTwilio, _twilio);
            Finish(end, started);
            return end;
        }
        using var connection = dialed;
        PhoneBridgeLog.BackendConnected(_logger, _session, connection.Name, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var backend = connection.Socket;
        _backend = backend;
        _handshake.TrySetResult();
        _metrics.HandshakeSeconds.Observe(connection.HandshakeAfter.TotalSeconds);
        PhoneBridgeLog.Handshake(_logger, _session, (long)connection.HandshakeAfter.TotalMilliseconds, Interlocked.Read(ref _droppedBeforeHandshake));

        _metrics.Calls.WithLabels(caller.Implementation.ToString().ToLowerInvariant()).Inc();
        // The readers take no token: cancelling a WebSocket receive aborts the socket, and each side should get a
        // clean close instead. They end when their socket closes; `ct` (relay stopping) is watched separately.
        var fromBackend = ReadBackendAsync(backend, model, CancellationToken.None);
        var relayStopping = WaitStoppingAsync(ct, stop.Token);

        var first = await Task.WhenAny(fromTwilio, fromBackend, relayStopping);
        end = await first;
        if (first == fromBackend)
        {
            // Answer the backend's close now (it frees the server), then play the model's last words.
            await CloseAsync(backend, end.ToBackend, end.Detail, waitForReply: true);
            await FlushAsync(pacing, fromTwilio, relayStopping);
        }
        await stop.CancelAsync();
        await Task.WhenAll(pacing, relayStopping);
        // The side that ended has no reader left: close it and wait for its reply. The other side's reader is
        // still running and will see the reply to the close sent to it.
        await Task.WhenAll(
            CloseAsync(_twilio, end.ToTwilio, end.Detail, waitForReply: first == fromTwilio),
            CloseAsync(backend, end.ToBackend, end.Detail, waitForReply: first == fromBackend));
        var readers = Task.WhenAll(fromTwilio, fromBackend);
        if (await Task.WhenAny(readers, Task.Delay(CloseTimeout, CancellationToken.None)) != readers)
        {
            _twilio.Abort();
            backend.Abort();
            await readers;
        }
        Finish(end, started);
        return end;
    }

    /// <summary>
    /// The backend ended: the model's last words still queued in the pacer (up to <see cref="JitterPacer.DefaultMaxFrames"/>
    /// frames) play to the caller before the stream is closed, unless the caller hangs up or the relay stops first.
    /// </summary>
    private async Task FlushAsync(Task pacing, Task fromTwilio, Task relayStopping)
    {
        // A backend that ends before Twilio's start was read (a fast backend, a slow runner) still gets its words
        // played: the pacer waits for the start's streamSid, within the same bound.
        _pacer.Complete();
        var limit = JitterPacer.FrameDuration * (_options.JitterMaxFrames + JitterPacer.DefaultLeadFrames) + FlushMargin;
        await Task.WhenAny(pacing, fromTwilio, relayStopping, Task.Delay(limit, CancellationToken.None));
    }

    /// <summary>Waits for a reader to see the reply to the close just sent; aborts its socket after <see cref="CloseTimeout"/>.</summary>
    private static async Task WaitOrAbortAsync(Task reader, WebSocket socket)
    {
        if (await Task.WhenAny(reader, Task.Delay(CloseTimeout, CancellationToken.None)) != reader)
        {
            socket.Abort();
            await reader;
        }
    }

    /// <summary>
    /// With the relay's start gate: reads connected and start before the backend is opened. The start (null without a
    /// gate), or how the call ended when the gate refused it (the stream was closed by the gate).
    /// </summary>
    private async Task<(TwilioStart? Start, CallEnd? Refused)> PassGateAsync()
    {
        if (_gate is null) return (null, null);
        var (outcome, held) = await Relaying.StartGate.WebSocketStartGate.RunAsync(_twilio, _gate);
        if (!outcome.Passed) return (null, CallEnd.StartRefused(outcome.Label, outcome.Reason, (WebSocketCloseStatus)outcome.CloseCode));
        // The gate passed on a start message, the last one it read; the bridge needs more of it than the gate did.
        try
        {
            return ((TwilioStart)TwilioMessage.Parse(held[^1].Data), null);
        }
        catch (FormatException e)
        {
            var malformed = CallEnd.MalformedTwilio(e.Message);
            await CloseAsync(_twilio, malformed.ToTwilio, malformed.Detail, waitForReply: true);
            return (null, malformed);
        }
    }

    private async Task<CallEnd> ReadTwilioAsync(CallerToModel caller, TwilioStart? gatedStart, CancellationToken ct)
    {
        var reader = new WholeMessageReader(_twilio, _options.MaxTwilioMessageBytes);
        var pages = new List<byte[]>();
        var started = false;
        var backendGone = false;
        if (gatedStart is not null)
        {
            started = true;
            PhoneBridgeLog.CallStarted(_logger, _session, gatedStart.StreamSid, gatedStart.CallSid, caller.Implementation);
            _streamSid.TrySetResult(gatedStart.StreamSid);
        }
        try
        {
            while (true)
            {
                var type = await reader.ReadAsync(ct);
                if (type == WebSocketMessageType.Close)
                    return CallEnd.CallerHungUp($"Twilio closed the stream ({(int?)_twilio.CloseStatus} {_twilio.CloseStatusDescription})");
                if (type != WebSocketMessageType.Text) return CallEnd.MalformedTwilio("binary frame (Media Streams send JSON text)");
                TwilioMessage message;
                try
                {
                    message = TwilioMessage.Parse(reader.Message);
                }
                catch (FormatException e)
                {
                    return CallEnd.MalformedTwilio(e.Message);
                }
                switch (message)
                {
                    case TwilioStart start:
                        if (start.MediaFormat != TwilioMediaFormat.MuLaw8kMono) return CallEnd.UnsupportedFormat(start.MediaFormat);
                        started = true;
                        PhoneBridgeLog.CallStarted(_logger, _session, start.StreamSid, start.CallSid, caller.Implementation);
                        _streamSid.TrySetResult(start.StreamSid);
                        break;
                    case TwilioMedia media when started:
                        if (!_handshake.Task.IsCompleted)
                        {
                            Interlocked.Increment(ref _droppedBeforeHandshake);
                            _metrics.Dropped.WithLabels("before-handshake").Inc();
                            break;
                        }
                        if (backendGone || _backend is not { } backend) break;
                        pages.Clear();
                        caller.Push(media.Payload, pages);
                        try
                        {
                            foreach (var page in pages)
                                await backend.SendAsync(PersonaPlexMessage.Audio(page), WebSocketMessageType.Binary, endOfMessage: true, ct);
                        }
                        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
                        {
                            // The backend is closing or gone; its reader ends the call. Keep reading Twilio until then.
                            backendGone = true;
                        }
                        Interlocked.Increment(ref _framesUp);
                        break;
                    case TwilioMedia:
                        return CallEnd.MalformedTwilio("media before start");
                    case TwilioStop:
                        return CallEnd.CallerHungUp("Twilio sent stop");
                }
            }
        }
        catch (MessageTooBigException e)
        {
            return CallEnd.TwilioTooBig(e.Message);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            return CallEnd.CallerHungUp($"Twilio connection lost: {e.Message}");
        }
    }

    private async Task<CallEnd> ReadBackendAsync(ClientWebSocket backend, ModelToCaller model, CancellationToken ct)
    {
        var reader = new WholeMessageReader(backend, _options.MaxBackendMessageBytes);
        var frames = new List<byte[]>();
        try
        {
            while (true)
            {
                var type = await reader.ReadAsync(ct);
                if (type == WebSocketMessageType.Close)
                    return CallEnd.BackendClosed($"voice backend closed the call ({(int?)backend.CloseStatus} {backend.CloseStatusDescription})");
                if (type != WebSocketMessageType.Binary) return CallEnd.BackendGarbage("a text frame (PersonaPlex sends binary messages)");
                var message = reader.Message;
                if (message.IsEmpty) return CallEnd.BackendGarbage("an empty message");
                switch ((PersonaPlexKind)message[0])
                {
                    case PersonaPlexKind.Handshake:
                        // The handshake was read when dialling; PersonaPlex sends one.
                        break;
                    case PersonaPlexKind.Audio:
                        frames.Clear();
                        model.Push(message[1..], frames);
                        foreach (var frame in frames) _pacer.Enqueue(frame);
                        break;
                    case PersonaPlexKind.Text:
                        Transcript(Encoding.UTF8.GetString(message[1..]));
                        break;
                    default:
                        return CallEnd.BackendGarbage($"unknown message kind 0x{message[0]:X2}");
                }
            }
        }
        catch (InvalidDataException e)
        {
            return CallEnd.BackendGarbage(e.Message);
        }
        catch (MessageTooBigException e)
        {
            return CallEnd.BackendGarbage(e.Message);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return CallEnd.BackendLost($"voice backend connection lost: {e.Message}");
        }
    }

    private static async Task<CallEnd> WaitStoppingAsync(CancellationToken relayStopping, CancellationToken callEnded)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(relayStopping, callEnded);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return CallEnd.Cancelled();
    }

    private async Task PaceAsync(CancellationToken ct)
    {
        try
        {
            var streamSid = await _streamSid.Task.WaitAsync(ct);
            // A send is not cancelled the moment the call ends: cancelling a WebSocket send aborts the socket, and
            // Twilio would get no clean close (the hold signal sends every 20 ms, so a call's end often meets one).
            // A send still stuck CloseTimeout after the end is cancelled.
            using var sendLimit = new CancellationTokenSource();
            await using var onEnd = ct.Register(() => sendLimit.CancelAfter(CloseTimeout));
            var token = sendLimit.Token;
            long held = 0;
            await _pacer.RunAsync(async (frame, _) =>
            {
                await _twilio.SendAsync(TwilioOutbound.Media(streamSid, frame), WebSocketMessageType.Text, endOfMessage: true, token);
                Interlocked.Increment(ref _framesDown);
            }, ct, !_options.HoldSignal ? null : async (frame, _) =>
            {
                if (!frame)
                {
                    // The model's first frame is next: a mark tells the hold signal from the model's audio on Twilio's side.
                    await _twilio.SendAsync(TwilioOutbound.Mark(streamSid, HoldSignal.EndMark), WebSocketMessageType.Text, endOfMessage: true, token);
                    return;
                }
                if (held == 0) await _twilio.SendAsync(TwilioOutbound.Mark(streamSid, HoldSignal.StartMark), WebSocketMessageType.Text, endOfMessage: true, token);
                await _twilio.SendAsync(TwilioOutbound.Media(streamSid, HoldSignal.Frame(held)), WebSocketMessageType.Text, endOfMessage: true, token);
                Interlocked.Exchange(ref _holdFrames, ++held);
            });
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The call is ending (or Twilio is gone; its reader reports that).
        }
    }

    /// <summary>Model text arrives as word pieces: log it a sentence (or 200 characters) at a time.</summary>
    private void Transcript(string text)
    {
        _metrics.TranscriptMessages.Inc();
        _metrics.TranscriptChars.Inc(text.Length);
        _transcript.Append(text);
        if (_transcript.Length >= 200 || text.Contains('\n', StringComparison.Ordinal) || text.TrimEnd() is [.., '.' or '?' or '!']) FlushTranscript();
    }

    private void FlushTranscript()
    {
        var line = _transcript.ToString().Trim();
        _transcript.Clear();
        if (line.Length > 0) PhoneBridgeLog.Transcript(_logger, _session, line);
    }

    private void Finish(CallEnd end, long started)
    {
        FlushTranscript();
        _metrics.Ends.WithLabels(end.Reason).Inc();
        _metrics.Frames.WithLabels("up").Inc(Interlocked.Read(ref _framesUp));
        _metrics.Frames.WithLabels("down").Inc(Interlocked.Read(ref _framesDown));
        _metrics.Dropped.WithLabels("jitter-overflow").Inc(_pacer.Dropped);
        _metrics.Dropped.WithLabels("backlog-silence").Inc(_pacer.Trimmed);
        PhoneBridgeLog.CallEnded(_logger, _session, end.Reason, end.Outcome.SideLabel, end.Outcome.Code, end.Detail, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            Interlocked.Read(ref _framesUp), Interlocked.Read(ref _framesDown), Interlocked.Read(ref _droppedBeforeHandshake), _pacer.Dropped, _pacer.Trimmed, _pacer.Underruns, Interlocked.Read(ref _holdFrames));
    }

    /// <summary>Sends a close (reason cut to the 123 bytes a close frame allows); never throws.</summary>
    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, bool waitForReply)
    {
        while (Encoding.UTF8.GetByteCount(reason) > 123) reason = reason[..^1];
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (waitForReply && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseAsync(status, reason, timeout.Token);
            else if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            socket.Abort();
        }
    }
}
