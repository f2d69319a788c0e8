using System.Diagnostics;
using Xunit.Abstractions;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// The silence at the start of a call: from Twilio's start until the model's first audio (the dial and PersonaPlex's
/// handshake, here the stand-in's configurable delay) the caller hears the hold signal, on the 20 ms cadence,
/// bracketed by marks, and never after the model's first frame; with the setting off, nothing (the old behaviour).
/// </summary>
public class HoldSignalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Handshake = TimeSpan.FromMilliseconds(1500);
    private const int Packets = 10; // 800 ms of the stand-in's tone, one packet per 80 ms

    private static async Task<(TwilioCall Call, BridgeHost Bridge, int HoldFramesAtHandshake)> CallAsync(StandInPersonaPlex model, PhoneBridgeOptions options, TimeSpan? handshake = null)
    {
        model.HandshakeDelay = handshake ?? Handshake;
        model.Behaviour = StandInBehaviour.SpeakThenClose;
        model.SpeakPackets = Packets;
        model.SpeakInterval = TimeSpan.FromMilliseconds(80);
        var bridge = await BridgeHost.StartAsync(model.ChatUri, options);
        var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendConnectedAsync();
        await call.SendStartAsync();
        // What Twilio's side has got when the bridge logs PersonaPlex's 0x00 (the handshake just completed).
        var holdAtHandshake = -1;
        for (var i = 0; i < 1000 && holdAtHandshake < 0; i++)
        {
            if (bridge.Logs.Any(l => l.Contains("bridge handshake", StringComparison.Ordinal)))
            {
                holdAtHandshake = call.HoldFrames.Count;
                if (model.HandshakeDelay > TimeSpan.Zero) Assert.Empty(call.MediaArrivals); // no model audio before the handshake
            }
            else await Task.Delay(5);
        }
        Assert.True(holdAtHandshake >= 0, "the handshake was not logged");
        await call.WaitClosedAsync(Bounded);
        Assert.Equal("backend-closed", (await bridge.Ended.Task.WaitAsync(Bounded)).Reason);
        return (call, bridge, holdAtHandshake);
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    [Fact]
    public async Task The_caller_hears_the_hold_signal_from_the_start_until_the_models_first_audio()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        // A relay's first call pays for JIT compilation and loading libopus (here ~0.9 s before the first frame on a
        // 2-core machine): what this test measures is the start of every call after it.
        var (warmCall, warmBridge, _) = await CallAsync(model, new PhoneBridgeOptions(), TimeSpan.Zero);
        warmCall.Dispose();
        await warmBridge.DisposeAsync();
        var (call, bridge, holdAtHandshake) = await CallAsync(model, new PhoneBridgeOptions());
        await using var _ = bridge;
        using var __ = call;

        // Media reached Twilio's side long before the handshake completed: from about one frame after the start.
        Assert.NotEmpty(call.HoldFrames);
        var firstHeard = Ms(call.StartSentAt, call.HoldFrames[0].At);
        Assert.True(firstHeard < Handshake.TotalMilliseconds / 3, $"the first hold frame came {firstHeard:F0} ms after the start");
        Assert.True(holdAtHandshake >= Handshake.TotalMilliseconds / 20 / 3, $"{holdAtHandshake} hold frames by the handshake (1500 ms)");
        // On the 20 ms cadence, not in a burst: never much more than real time's worth ahead.
        var lastHold = call.HoldFrames[^1].At;
        var holdSpan = Ms(call.HoldFrames[0].At, lastHold);
        Assert.True(call.HoldFrames.Count <= holdSpan / 20 + 3, $"{call.HoldFrames.Count} hold frames in {holdSpan:F0} ms");
        Assert.All(call.HoldFrames, f => Assert.True(HoldSignal.IsHoldFrame(f.Payload)));
        // Quiet: comfort noise, not audio that would mask or be mistaken for speech.
        var pcm = new short[call.HoldFrames.Count * ModelToCaller.FrameBytes];
        MuLaw.Decode(call.HoldFrames.SelectMany(f => f.Payload).ToArray(), pcm);
        Assert.InRange(TestAudio.Rms(pcm), HoldSignal.Rms * 0.7, HoldSignal.Rms * 1.3);
        Assert.True(JitterPacer.IsSilent(call.HoldFrames[0].Payload));

        // Bracketed by the marks, and stopped before the model's first frame: no hold frame after it, none in its audio.
        Assert.Equal([HoldSignal.StartMark, HoldSignal.EndMark], call.Marks.Select(m => m.Name));
        Assert.Equal(call.HoldFrames.Count, call.Marks[1].MediaBefore);
        Assert.NotEmpty(call.MediaArrivals);
        Assert.True(lastHold <= call.MediaArrivals[0]);
        var received = call.Received;
        Assert.Equal((Packets * StandInPersonaPlex.OutputFrameSamples - StandInPersonaPlex.PreSkip / 2) / 3, received.Length);
        for (var i = 0; i + ModelToCaller.FrameBytes <= received.Length; i += ModelToCaller.FrameBytes)
            Assert.False(HoldSignal.IsHoldFrame(received.AsSpan(i, ModelToCaller.FrameBytes)), $"model frame {i / 160} is a hold frame");

        // No gap between the hold signal and the model: Twilio's playback replayed from when each media message came.
        double playedUntil = 0, gapMs = 0;
        var t0 = call.HoldFrames[0].At;
        foreach (var ticks in call.HoldFrames.Select(f => f.At).Concat(call.MediaArrivals))
        {
            var at = Ms(t0, ticks);
            if (ticks != t0 && at > playedUntil) gapMs += at - playedUntil;
            playedUntil = Math.Max(playedUntil, at) + JitterPacer.FrameDuration.TotalMilliseconds;
        }
        var firstModel = Ms(call.StartSentAt, call.MediaArrivals[0]);
        output.WriteLine($"first heard {firstHeard:F0} ms after the start, model's first audio {firstModel:F0} ms (handshake {Handshake.TotalMilliseconds} ms); " +
            $"{call.HoldFrames.Count} hold frames ({holdAtHandshake} by the handshake), {gapMs:F0} ms of gaps heard before the model's audio ended");
        Assert.True(firstModel >= Handshake.TotalMilliseconds);
        Assert.Contains($"holdFrames={call.HoldFrames.Count}", string.Join('\n', bridge.Logs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_hold_signal_off_nothing_is_sent_before_the_models_audio()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        var (call, bridge, holdAtHandshake) = await CallAsync(model, new PhoneBridgeOptions { HoldSignal = false });
        await using var _ = bridge;
        using var __ = call;

        Assert.Equal(0, holdAtHandshake);
        Assert.Empty(call.HoldFrames);
        Assert.Empty(call.Marks);
        Assert.NotEmpty(call.MediaArrivals);
        var firstModel = Ms(call.StartSentAt, call.MediaArrivals[0]);
        output.WriteLine($"hold signal off: first audio {firstModel:F0} ms after the start (handshake {Handshake.TotalMilliseconds} ms)");
        Assert.True(firstModel >= Handshake.TotalMilliseconds, $"first media {firstModel:F0} ms after the start");
        Assert.Equal((Packets * StandInPersonaPlex.OutputFrameSamples - StandInPersonaPlex.PreSkip / 2) / 3, call.Received.Length);
        Assert.Contains("holdFrames=0", string.Join('\n', bridge.Logs), StringComparison.Ordinal);
    }
}
