using System.Diagnostics;
using Xunit.Abstractions;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// The model's audio against PersonaPlex's real cadence (one Ogg page per 80 ms packet): what Twilio's side gets,
/// and the model's last words when the backend closes. The timing figures are reported, not asserted.
/// </summary>
public class PacingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);

    /// <summary>The mu-law bytes <paramref name="packets"/> 80 ms packets decode to: 640 each, less OpusHead's pre-skip (3840 at 48 kHz, 80 ms).</summary>
    private static int MuLawBytes(int packets) => (packets * StandInPersonaPlex.OutputFrameSamples - StandInPersonaPlex.PreSkip / 2) / 3;

    private static async Task<(TwilioCall Call, CallEnd End, string Metrics)> CallAsync(StandInPersonaPlex model)
    {
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendConnectedAsync();
        await call.SendStartAsync();
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);
        return (call, end, await bridge.MetricsTextAsync());
    }

    [Fact]
    public async Task At_the_real_80_ms_cadence_every_frame_reaches_twilio_and_the_gaps_are_reported()
    {
        const int packets = 50; // 4 s of speech
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.Zero;
        model.Behaviour = StandInBehaviour.SpeakThenClose;
        model.SpeakPackets = packets;
        model.SpeakInterval = TimeSpan.FromMilliseconds(80);
        var (call, end, metrics) = await CallAsync(model);
        using var _ = call;

        Assert.Equal("backend-closed", end.Reason);
        Assert.All(call.PayloadSizes, size => Assert.Equal(ModelToCaller.FrameBytes, size));
        Assert.Equal(MuLawBytes(packets), call.Received.Length);
        Assert.Contains("voice_edge_bridge_dropped_frames_total{reason=\"jitter-overflow\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("voice_edge_bridge_dropped_frames_total{reason=\"backlog-silence\"} 0", metrics, StringComparison.Ordinal);

        // Twilio plays each 20 ms frame when it comes, or after those queued before it: what the caller hears.
        var frame = JitterPacer.FrameDuration.TotalMilliseconds;
        double playedUntil = 0, gaps = 0, gapMs = 0, minCushion = double.MaxValue, sumCushion = 0;
        var t0 = call.MediaArrivals[0];
        foreach (var ticks in call.MediaArrivals)
        {
            var at = Stopwatch.GetElapsedTime(t0, ticks).TotalMilliseconds;
            if (ticks != t0 && at > playedUntil)
            {
                gaps++;
                gapMs += at - playedUntil;
            }
            if (ticks != t0)
            {
                var cushion = Math.Max(0, playedUntil - at);
                minCushion = Math.Min(minCushion, cushion);
                sumCushion += cushion;
            }
            playedUntil = Math.Max(playedUntil, at) + frame;
        }
        output.WriteLine($"80 ms bursts, {call.MediaArrivals.Count} frames: {gaps} gaps heard, {gapMs:F0} ms of gaps in all; " +
            $"queued at Twilio when a frame came: min {minCushion:F0} ms, mean {sumCushion / (call.MediaArrivals.Count - 1):F0} ms");
    }

    [Fact]
    public async Task When_the_backend_closes_the_models_last_words_reach_twilio_before_the_close()
    {
        const int packets = 20; // 1.6 s, all at once: queued in the pacer when the close comes
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.Zero;
        model.Behaviour = StandInBehaviour.SpeakThenClose;
        model.SpeakPackets = packets;
        model.SpeakInterval = TimeSpan.Zero;
        var (call, end, _) = await CallAsync(model);
        using var __ = call;

        Assert.Equal("backend-closed", end.Reason);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, call.CloseStatus);
        // TwilioCall reads in order, so every byte counted here came before the close.
        Assert.Equal(MuLawBytes(packets), call.Received.Length);
        var tone = new short[call.Received.Length];
        MuLaw.Decode(call.Received, tone);
        Assert.True(TestAudio.ToneShare(tone.AsSpan(800, tone.Length - 1600), 440, 8000) > 0.8);
    }
}
