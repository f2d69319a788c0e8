using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class JitterPacerTests
{
    [Fact]
    public async Task Plays_frames_in_order_once_primed()
    {
        using var pacer = new JitterPacer(primeFrames: 3, maxFrames: 10);
        var sent = new List<byte>();
        using var cts = new CancellationTokenSource();
        var all = new TaskCompletionSource();
        var run = pacer.RunAsync((frame, _) =>
        {
            sent.Add(frame[0]);
            if (sent.Count == 5) all.TrySetResult();
            return ValueTask.CompletedTask;
        }, cts.Token);
        for (byte i = 0; i < 5; i++) pacer.Enqueue([i]);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, sent);
        Assert.Equal(5, pacer.Sent);
    }

    [Fact]
    public async Task The_hold_signal_plays_until_the_first_talkspurt_and_never_after()
    {
        using var pacer = new JitterPacer(primeFrames: 3, maxFrames: 10);
        var events = new List<string>();
        var all = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = pacer.RunAsync((frame, _) =>
        {
            lock (events) events.Add($"m{frame[0]}");
            if (frame[0] == 9) all.TrySetResult();
            return ValueTask.CompletedTask;
        }, cts.Token, (frame, _) =>
        {
            lock (events) events.Add(frame ? "h" : "end");
            return ValueTask.CompletedTask;
        });
        await Task.Delay(300);
        int heldBeforeAudio;
        lock (events) heldBeforeAudio = events.Count;
        var elapsed = clock.Elapsed;
        for (byte i = 0; i < 5; i++) pacer.Enqueue([i]);
        await Task.Delay(200);
        for (byte i = 5; i < 10; i++) pacer.Enqueue([i]);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // Hold frames on the 20 ms cadence (not a burst), then the end, then the model's frames only, in order.
        Assert.InRange(heldBeforeAudio, 3, (int)(elapsed.TotalMilliseconds / 20) + 2);
        var end = events.IndexOf("end");
        Assert.True(end > 0);
        Assert.All(events.Take(end), e => Assert.Equal("h", e));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), events.Skip(end + 1));
        Assert.Equal(10, pacer.Sent);
    }

    [Fact]
    public void Beyond_its_bound_the_oldest_frames_are_dropped()
    {
        using var pacer = new JitterPacer(primeFrames: 3, maxFrames: 4);
        for (byte i = 0; i < 10; i++) pacer.Enqueue([i]);
        Assert.Equal(4, pacer.Count);
        Assert.Equal(6, pacer.Dropped);
    }

    [Fact]
    public async Task A_short_tail_below_the_prime_count_still_plays()
    {
        using var pacer = new JitterPacer(primeFrames: 3, maxFrames: 10);
        var played = new TaskCompletionSource<byte>();
        using var cts = new CancellationTokenSource();
        var run = pacer.RunAsync((frame, _) =>
        {
            played.TrySetResult(frame[0]);
            return ValueTask.CompletedTask;
        }, cts.Token);
        pacer.Enqueue([42]);
        Assert.Equal(42, await played.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}

public class JitterPacerBacklogTests
{
    [Fact]
    public async Task A_backlog_skips_silence_but_never_speech()
    {
        using var pacer = new JitterPacer(primeFrames: 1, maxFrames: 100, leadFrames: 2, burstFrames: 1);
        var silence = Enumerable.Repeat((byte)0xFF, 160).ToArray();
        var speech = new byte[160];
        MuLaw.Encode(TestAudio.Sine(440, 8000, 160, 8000), speech);
        // A burst: 10 silent frames, 3 of speech, 10 silent, 3 of speech: far more than the 2-frame lead.
        var burst = Enumerable.Repeat(silence, 10).Concat(Enumerable.Repeat(speech, 3)).Concat(Enumerable.Repeat(silence, 10)).Concat(Enumerable.Repeat(speech, 3)).ToArray();
        foreach (var f in burst) pacer.Enqueue(f);
        var sent = new List<byte[]>();
        using var cts = new CancellationTokenSource();
        var run = pacer.RunAsync((frame, _) =>
        {
            sent.Add(frame);
            if (sent.Count(f => !JitterPacer.IsSilent(f)) == 6) cts.Cancel();
            return ValueTask.CompletedTask;
        }, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(6, sent.Count(f => !JitterPacer.IsSilent(f)));
        Assert.True(pacer.Trimmed >= 15, $"{pacer.Trimmed} silent frames skipped");
        Assert.Equal(burst.Length, sent.Count + pacer.Trimmed + pacer.Count);
    }

    [Fact]
    public void Silence_is_judged_on_the_decoded_peak()
    {
        Assert.True(JitterPacer.IsSilent(Enumerable.Repeat((byte)0xFF, 160).ToArray()));
        var quiet = new byte[160];
        MuLaw.Encode(TestAudio.Sine(440, 8000, 160, 100), quiet);
        Assert.True(JitterPacer.IsSilent(quiet));
        var loud = new byte[160];
        MuLaw.Encode(TestAudio.Sine(440, 8000, 160, 1000), loud);
        Assert.False(JitterPacer.IsSilent(loud));
    }
}
