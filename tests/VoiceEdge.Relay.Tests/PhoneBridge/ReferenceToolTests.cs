using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>The Ogg Opus the bridge writes and reads agrees with the reference tools (opus-tools: opusdec, opusenc).</summary>
public sealed class ReferenceToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("voice-edge-opus-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [ToolFact("opusdec")]
    public void Ogg_opus_written_by_the_bridge_decodes_with_opusdec()
    {
        using var up = new CallerToModel(OpusCodecs.CreateEncoder(), 0x5EED);
        var tone = TestAudio.Sine(440, 8000, 8000, 6000);
        var mulaw = new byte[tone.Length];
        MuLaw.Encode(tone, mulaw);
        var pages = new List<byte[]>();
        for (var i = 0; i < mulaw.Length; i += 160) up.Push(mulaw.AsSpan(i, 160), pages);
        var opus = Path.Combine(_dir, "bridge.opus");
        File.WriteAllBytes(opus, [.. pages.SelectMany(p => p)]);

        var wav = Path.Combine(_dir, "decoded.wav");
        Tools.Run("opusdec", "--quiet", "--rate", "24000", opus, wav);
        var (samples, rate) = TestAudio.ReadWav(wav);
        Assert.Equal(24000, rate);
        Assert.InRange(samples.Length, 23000, 24000); // one second, less the pre-skip opusdec drops
        var steady = samples.AsSpan(2400, 19000);
        Assert.True(TestAudio.ToneShare(steady, 440, 24000) > 0.9, "opusdec hears the 440 Hz tone");
        Assert.InRange(TestAudio.Rms(steady), 6000 / Math.Sqrt(2) * 0.8, 6000 / Math.Sqrt(2) * 1.2);
    }

    [ToolFact("opusenc")]
    public void Ogg_opus_made_by_opusenc_decodes_in_the_bridge()
    {
        var wav = Path.Combine(_dir, "tone.wav");
        TestAudio.WriteWav(wav, TestAudio.Sine(440, 24000, 24000, 6000), 24000);
        var opus = Path.Combine(_dir, "opusenc.opus");
        // opusenc writes 48 kHz granules, pages of up to 1 s and a long OpusTags: a different shape from the bridge's own.
        Tools.Run("opusenc", "--quiet", "--bitrate", "32", wav, opus);
        var bytes = File.ReadAllBytes(opus);

        using var down = new ModelToCaller(OpusCodecs.CreateDecoder());
        var frames = new List<byte[]>();
        for (var i = 0; i < bytes.Length; i += 1000) down.Push(bytes.AsSpan(i, Math.Min(1000, bytes.Length - i)), frames);
        var back = new short[frames.Count * 160];
        MuLaw.Decode([.. frames.SelectMany(f => f)], back);
        Assert.InRange(back.Length, 7600, 8200);
        var steady = back.AsSpan(800, 6400);
        Assert.True(TestAudio.ToneShare(steady, 440, 8000) > 0.9, "the bridge hears the 440 Hz tone");
        Assert.InRange(TestAudio.Rms(steady), 6000 / Math.Sqrt(2) * 0.8, 6000 / Math.Sqrt(2) * 1.2);
    }
}
