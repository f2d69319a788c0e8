using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class MonoResamplerTests
{
    [Fact]
    public void Upsamples_8k_to_24k_frame_by_frame_three_times_the_samples_same_tone()
    {
        var up = new MonoResampler(8000, 24000);
        var input = TestAudio.Sine(1000, 8000, 8000);
        var output = new List<short>();
        var buffer = new short[up.MaxOutput(160)];
        for (var i = 0; i < input.Length; i += 160) output.AddRange(buffer.AsSpan(0, up.Process(input.AsSpan(i, 160), buffer)).ToArray());
        Assert.InRange(output.Count, 24000 - 200, 24000);
        var steady = output.Skip(1000).ToArray();
        Assert.True(TestAudio.ToneShare(steady, 1000, 24000) > 0.95, "1 kHz tone kept");
        Assert.InRange(TestAudio.Rms(steady), 8000 / Math.Sqrt(2) * 0.9, 8000 / Math.Sqrt(2) * 1.1);
    }

    [Fact]
    public void Round_trip_8k_24k_8k_matches_the_input_after_the_filter_delay()
    {
        var up = new MonoResampler(8000, 24000);
        var down = new MonoResampler(24000, 8000);
        var input = TestAudio.Sine(440, 8000, 4000).Zip(TestAudio.Sine(1300, 8000, 4000, 3000), (a, b) => (short)(a + b)).ToArray();
        var mid = new short[up.MaxOutput(160)];
        var outBuf = new short[down.MaxOutput(mid.Length)];
        var output = new List<short>();
        for (var i = 0; i < input.Length; i += 160)
        {
            var n = up.Process(input.AsSpan(i, 160), mid);
            output.AddRange(outBuf.AsSpan(0, down.Process(mid.AsSpan(0, n), outBuf)).ToArray());
        }
        var (correlation, lag) = TestAudio.BestCorrelation(input, [.. output], 100);
        Assert.True(correlation > 0.99, $"correlation {correlation:F4} at lag {lag}");
    }

    [Fact]
    public void Does_not_pass_a_tone_above_the_8k_nyquist_when_downsampling()
    {
        var down = new MonoResampler(24000, 8000);
        var input = TestAudio.Sine(6000, 24000, 24000);
        var output = new short[down.MaxOutput(input.Length)];
        var n = down.Process(input, output);
        Assert.True(TestAudio.Rms(output.AsSpan(500, n - 500)) < 8000 * 0.05, "6 kHz removed by the anti-alias filter");
    }
}
