using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class OpusCodecTests
{
    [Fact]
    public void The_probe_names_the_implementation_and_why()
    {
        var probe = OpusCodecs.Probe();
        Assert.False(string.IsNullOrWhiteSpace(probe.Version));
        Assert.False(string.IsNullOrWhiteSpace(probe.Why));
        // Where libopus.so is installed (libopus-dev, as .ci/install does) the native library must be the one used.
        if (File.Exists("/usr/lib/x86_64-linux-gnu/libopus.so") || File.Exists("/usr/lib/aarch64-linux-gnu/libopus.so"))
        {
            Assert.Equal(OpusImplementation.Native, probe.Implementation);
            Assert.StartsWith("libopus", probe.Version, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Managed_can_be_forced()
    {
        var encoder = OpusCodecs.CreateEncoder(preferNative: false);
        var decoder = OpusCodecs.CreateDecoder(preferNative: false);
        Assert.Equal(OpusImplementation.Managed, OpusCodecs.ImplementationOf(encoder));
        Assert.Equal(OpusImplementation.Managed, OpusCodecs.ImplementationOf(decoder));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Voice_band_audio_survives_encode_and_decode_across_implementations(bool nativeEncoder, bool nativeDecoder)
    {
        using var up = new CallerToModel(OpusCodecs.CreateEncoder(nativeEncoder), 1);
        using var down = new ModelToCaller(OpusCodecs.CreateDecoder(nativeDecoder));
        var tone = TestAudio.Sine(440, 8000, 16000, 6000).Zip(TestAudio.Sine(1100, 8000, 16000, 3000), (a, b) => (short)(a + b)).ToArray();
        var mulaw = new byte[tone.Length];
        MuLaw.Encode(tone, mulaw);
        var pages = new List<byte[]>();
        var frames = new List<byte[]>();
        for (var i = 0; i < mulaw.Length; i += 160) up.Push(mulaw.AsSpan(i, 160), pages);
        foreach (var page in pages) down.Push(page, frames);
        Assert.Equal(100, up.Frames);
        var back = new short[frames.Count * 160];
        MuLaw.Decode([.. frames.SelectMany(f => f)], back);
        Assert.InRange(back.Length, 15000, 16000);
        var (correlation, lag) = TestAudio.BestCorrelation(tone.AsSpan(0, 12000), back, 400);
        Assert.True(correlation > 0.9, $"correlation {correlation:F3} at lag {lag}");
    }

    [Fact]
    public void Garbage_in_the_model_stream_is_an_invalid_data_error()
    {
        using var down = new ModelToCaller(OpusCodecs.CreateDecoder());
        var frames = new List<byte[]>();
        Assert.Throws<InvalidDataException>(() => down.Push("not an ogg stream"u8, frames));
    }
}
