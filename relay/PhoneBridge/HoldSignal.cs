namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// What the caller hears while the bridge waits for the model (the dial, a wait for a pool slot, PersonaPlex's
/// prompts until its 0x00 and its first audio): soft comfort noise, the hiss of an open line, so the call does
/// not sound dead. One second of 20 ms mu-law frames (8 kHz, 160 bytes, Twilio's media size), made once from a
/// fixed seed and looped: white noise through a gentle one-pole low-pass, about -55 dBFS RMS (peaks below
/// <see cref="JitterPacer.SilencePeak"/>), far under speech. The bridge plays it on the pacer's 20 ms cadence
/// until the model's first frame goes out (<see cref="JitterPacer"/>), then sends a Twilio <c>mark</c> named
/// <see cref="EndMark"/>, so a Twilio-side reader can tell the hold signal from the model's audio.
/// </summary>
public static class HoldSignal
{
    /// <summary>The <c>mark</c> sent before the first hold frame.</summary>
    public const string StartMark = "voice-edge-hold-start";

    /// <summary>The <c>mark</c> sent after the last hold frame, just before the model's first frame.</summary>
    public const string EndMark = "voice-edge-hold-end";

    /// <summary>Target RMS in 16-bit units (about -55 dBFS).</summary>
    public const double Rms = 58;

    private const int LoopFrames = 50;

    private static readonly byte[][] Frames = Make();

    /// <summary>The hold signal's frame number <paramref name="index"/> (it loops every second).</summary>
    public static byte[] Frame(long index) => Frames[(int)(index % LoopFrames)];

    /// <summary>Whether <paramref name="mulaw"/> is one of the hold signal's frames, byte for byte.</summary>
    public static bool IsHoldFrame(ReadOnlySpan<byte> mulaw)
    {
        foreach (var frame in Frames)
            if (mulaw.SequenceEqual(frame)) return true;
        return false;
    }

    private static byte[][] Make()
    {
        var samples = LoopFrames * ModelToCaller.FrameBytes;
        var noise = new double[samples];
        var state = 0x2545F491u; // xorshift32: the same signal on every run and platform
        double low = 0;
        for (var i = 0; i < samples; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            var white = state / (double)uint.MaxValue * 2 - 1;
            low += 0.35 * (white - low);
            noise[i] = low;
        }
        var rms = Math.Sqrt(noise.Sum(x => x * x) / samples);
        var pcm = new short[samples];
        var limit = JitterPacer.SilencePeak - 16;
        for (var i = 0; i < samples; i++) pcm[i] = (short)Math.Clamp(Math.Round(noise[i] / rms * Rms), -limit, limit);
        var mulaw = new byte[samples];
        MuLaw.Encode(pcm, mulaw);
        var frames = new byte[LoopFrames][];
        for (var f = 0; f < LoopFrames; f++) frames[f] = mulaw.AsSpan(f * ModelToCaller.FrameBytes, ModelToCaller.FrameBytes).ToArray();
        return frames;
    }
}
