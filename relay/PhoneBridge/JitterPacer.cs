using System.Diagnostics;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Sends the model's audio to the caller at the pace it plays, in 20 ms frames. Twilio queues the media it
/// is sent and plays it in order, so the pacer keeps that queue short rather than empty: it sends a frame as
/// soon as it has one unless the caller's playback is already <c>lead</c> ahead of real time, where it waits.
/// PersonaPlex sends its audio in bursts, one 80 ms Opus packet (<c>burstFrames</c> frames) at a time, so a
/// talkspurt starts <c>primeFrames</c> frames' time after its first frame came (or at once when a burst more
/// than that is here): Twilio then holds that cushion on top of each burst when the next one is due, which
/// absorbs the model's jitter; after that frames go out as they come, and the cushion is never rebuilt by
/// holding audio back, so delay does not grow. Bursts beyond the lead wait here,
/// bounded: past <c>maxFrames</c> the oldest frame is dropped, so a backend that sends faster than real time
/// cannot grow memory or the caller's delay without limit. A backlog that a burst leaves behind would
/// otherwise delay the rest of the call (frames then arrive and leave at the same rate), so while more than
/// the starting cushion and a burst is waiting (here or at Twilio), silent frames are skipped
/// (<see cref="Trimmed"/>): the delay shrinks back in the pauses, and speech is never cut. After
/// <see cref="Complete"/> (the backend ended) it plays what is queued, waits until Twilio has played it, and returns.
/// </summary>
public sealed class JitterPacer(int primeFrames = JitterPacer.DefaultPrimeFrames, int maxFrames = JitterPacer.DefaultMaxFrames, int leadFrames = JitterPacer.DefaultLeadFrames,
    int burstFrames = JitterPacer.DefaultBurstFrames) : IDisposable
{
    public const int DefaultPrimeFrames = 3;
    public const int DefaultMaxFrames = 100;
    public const int DefaultLeadFrames = 5;

    /// <summary>PersonaPlex's output packet: one Mimi frame, 80 ms, four 20 ms frames (docs/architecture.md).</summary>
    public const int DefaultBurstFrames = 4;
    public static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);

    private readonly Queue<byte[]> _queue = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private long _dropped, _sent, _underruns, _trimmed;
    private volatile bool _completed;

    /// <summary>Below this peak (about -42 dBFS) a frame counts as silence that a backlog may skip.</summary>
    public const int SilencePeak = 256;

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Sent => Interlocked.Read(ref _sent);
    public long Underruns => Interlocked.Read(ref _underruns);
    public long Trimmed => Interlocked.Read(ref _trimmed);

    public int Count
    {
        get
        {
            lock (_queue) return _queue.Count;
        }
    }

    public void Enqueue(byte[] frame)
    {
        lock (_queue)
        {
            if (_queue.Count >= maxFrames)
            {
                _queue.Dequeue();
                _dropped++;
            }
            _queue.Enqueue(frame);
        }
        _arrived.Release();
    }

    /// <summary>No more frames will come: <see cref="RunAsync"/> plays what is queued and returns.</summary>
    public void Complete()
    {
        _completed = true;
        _arrived.Release();
    }

    /// <summary>
    /// Sends frames until cancelled, or after <see cref="Complete"/> until the queue is empty and Twilio has played
    /// what was sent; <paramref name="send"/> is called from one task at a time.
    /// </summary>
    /// <param name="hold">
    /// Given, the caller is not left in silence before the model's first frame: the pacer calls it for one frame of the
    /// hold signal (<see cref="HoldSignal"/>) whenever the caller's playback is within <see cref="HoldLead"/> of running
    /// dry, from its start until the first talkspurt goes out (its cushion included, so the model's first frame
    /// follows the last hold frame with no gap), with <c>true</c> for a hold frame and <c>false</c> once when the hold
    /// ends (after at least one hold frame); never afterwards.
    /// </param>
    public async Task RunAsync(Func<byte[], CancellationToken, ValueTask> send, CancellationToken ct, Func<bool, CancellationToken, ValueTask>? hold = null)
    {
        var lead = FrameDuration * leadFrames;
        var clock = Stopwatch.StartNew();
        var playedUntil = TimeSpan.Zero; // where the caller's playback of what was sent ends, on `clock`
        var holdEnd = TimeSpan.Zero; // where the hold signal's playback ends: the backlog counts the model's audio only
        var first = true;
        while (true)
        {
            if (_completed && Count == 0)
            {
                // The last words are with Twilio: return once it has played them, so a close does not cut them.
                var left = playedUntil - clock.Elapsed;
                if (left > TimeSpan.Zero) await Task.Delay(left, ct);
                return;
            }
            if (clock.Elapsed >= playedUntil)
            {
                // The caller has heard everything: a new talkspurt. Gather a cushion first.
                if (Count == 0 && !first) Interlocked.Increment(ref _underruns);
                if (first && hold is not null) playedUntil = holdEnd = await HoldAsync(clock, playedUntil, hold, ct);
                else await PrimeAsync(ct);
                first = false;
            }
            else if (Count == 0)
            {
                await _arrived.WaitAsync(ct);
                continue;
            }
            if (!TryDequeue(out var frame)) continue;
            var now = clock.Elapsed;
            if (playedUntil < now) playedUntil = now;
            var ahead = playedUntil - now;
            // The model's audio waiting, here and queued at Twilio, beyond the cushion a talkspurt starts with.
            var backlog = Count + (int)((playedUntil - (now > holdEnd ? now : holdEnd)) / FrameDuration);
            if (backlog >= primeFrames + burstFrames && IsSilent(frame))
            {
                Interlocked.Increment(ref _trimmed);
                continue;
            }
            if (ahead > lead) await Task.Delay(ahead - lead, ct);
            await send(frame, ct);
            Interlocked.Increment(ref _sent);
            playedUntil += FrameDuration;
        }
    }

    /// <summary>
    /// Waits for a talkspurt's first frame, then <c>primeFrames</c> frames' time for the cushion (less when more than
    /// a burst and the cushion are already here, none once <see cref="Complete"/> was called).
    /// </summary>
    private async Task PrimeAsync(CancellationToken ct)
    {
        while (Count == 0 && !_completed) await _arrived.WaitAsync(ct);
        var primed = Stopwatch.StartNew();
        var cushion = FrameDuration * primeFrames;
        while (Count < primeFrames + burstFrames && !_completed)
        {
            var left = cushion - primed.Elapsed;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left, ct)) return;
        }
    }

    /// <summary>How close to running dry the caller's playback gets before the next hold frame is sent.</summary>
    public static readonly TimeSpan HoldLead = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// <see cref="PrimeAsync"/> for the first talkspurt, sending the hold signal meanwhile; returns where the caller's
    /// playback of it ends (on <paramref name="clock"/>).
    /// </summary>
    private async Task<TimeSpan> HoldAsync(Stopwatch clock, TimeSpan playedUntil, Func<bool, CancellationToken, ValueTask> hold, CancellationToken ct)
    {
        var cushion = FrameDuration * primeFrames;
        TimeSpan? firstCame = null;
        var held = false;
        while (!_completed)
        {
            var now = clock.Elapsed;
            if (Count > 0)
            {
                firstCame ??= now;
                if (Count >= primeFrames + burstFrames || now - firstCame.Value >= cushion) break;
            }
            if (playedUntil - now <= HoldLead)
            {
                if (playedUntil < now) playedUntil = now;
                await hold(true, ct);
                held = true;
                playedUntil += FrameDuration;
                continue;
            }
            var wake = playedUntil - HoldLead - now;
            if (firstCame is { } came && cushion - (now - came) < wake) wake = cushion - (now - came);
            if (wake > TimeSpan.Zero) await _arrived.WaitAsync(wake, ct);
        }
        if (held) await hold(false, ct);
        return playedUntil;
    }

    /// <summary>Whether a mu-law frame is silence (every sample below <see cref="SilencePeak"/>).</summary>
    public static bool IsSilent(ReadOnlySpan<byte> mulaw)
    {
        foreach (var code in mulaw)
            if (Math.Abs((int)MuLaw.Decode(code)) >= SilencePeak) return false;
        return true;
    }

    private bool TryDequeue(out byte[] frame)
    {
        lock (_queue) return _queue.TryDequeue(out frame!);
    }

    public void Dispose() => _arrived.Dispose();
}
