using System.Diagnostics;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Sends the model's audio to the caller at the pace it plays: one 20 ms frame every 20 ms. A small jitter
/// buffer absorbs the model's bursts: playback starts once <c>primeFrames</c> are queued (or when a short
/// wait brings no more), and restarts that way after the queue runs dry. The queue is bounded: beyond
/// <c>maxFrames</c> the oldest frame is dropped, so a backend that sends faster than real time cannot grow
/// memory or the caller's delay without limit.
/// </summary>
public sealed class JitterPacer(int primeFrames = JitterPacer.DefaultPrimeFrames, int maxFrames = JitterPacer.DefaultMaxFrames) : IDisposable
{
    public const int DefaultPrimeFrames = 3;
    public const int DefaultMaxFrames = 100;
    public static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);

    private readonly Queue<byte[]> _queue = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private long _dropped, _sent, _underruns;

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Sent => Interlocked.Read(ref _sent);
    public long Underruns => Interlocked.Read(ref _underruns);

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

    /// <summary>Sends frames until cancelled; <paramref name="send"/> is called from one task at a time.</summary>
    public async Task RunAsync(Func<byte[], CancellationToken, ValueTask> send, CancellationToken ct)
    {
        while (true)
        {
            await PrimeAsync(ct);
            var started = Stopwatch.GetTimestamp();
            long played = 0;
            while (TryDequeue(out var frame))
            {
                await send(frame, ct);
                Interlocked.Increment(ref _sent);
                played++;
                var wait = FrameDuration * played - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            }
            Interlocked.Increment(ref _underruns);
        }
    }

    private async Task PrimeAsync(CancellationToken ct)
    {
        while (true)
        {
            var count = Count;
            if (count >= primeFrames) return;
            if (count == 0) await _arrived.WaitAsync(ct);
            // Some audio but not enough: start anyway if nothing more comes within a frame's time.
            else if (!await _arrived.WaitAsync(FrameDuration * primeFrames, ct)) return;
        }
    }

    private bool TryDequeue(out byte[] frame)
    {
        lock (_queue) return _queue.TryDequeue(out frame!);
    }

    public void Dispose() => _arrived.Dispose();
}
