using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class MuLawTests
{
    // ITU-T G.711 mu-law (as in Twilio's audio/x-mulaw): 0xFF and 0x7F are +0/-0, 0x80 and 0x00 the extremes (+-32124).
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x80, 32124)]
    [InlineData(0x00, -32124)]
    [InlineData(0xF0, 120)]
    [InlineData(0x70, -120)]
    public void Decodes_g711_reference_values(int code, int linear)
    {
        Span<short> pcm = stackalloc short[1];
        MuLaw.Decode([(byte)code], pcm);
        Assert.Equal(linear, pcm[0]);
    }

    [Theory]
    [InlineData(0, 0xFF)]
    [InlineData(32767, 0x80)]
    [InlineData(-32768, 0x00)]
    [InlineData(120, 0xF0)]
    public void Encodes_g711_reference_values(int linear, int code)
    {
        Span<byte> mulaw = stackalloc byte[1];
        MuLaw.Encode([(short)linear], mulaw);
        Assert.Equal(code, mulaw[0]);
    }

    [Fact]
    public void Every_code_survives_a_decode_encode_round_trip()
    {
        var codes = Enumerable.Range(0, 256).Select(i => (byte)i).Where(b => b != 0x7F).ToArray(); // -0 encodes as +0
        var pcm = new short[codes.Length];
        var again = new byte[codes.Length];
        MuLaw.Decode(codes, pcm);
        MuLaw.Encode(pcm, again);
        Assert.Equal(codes, again);
    }

    [Fact]
    public void A_speech_level_tone_keeps_g711_quality()
    {
        var tone = TestAudio.Sine(1000, 8000, 8000, amplitude: 10000);
        var coded = new byte[tone.Length];
        var back = new short[tone.Length];
        MuLaw.Encode(tone, coded);
        MuLaw.Decode(coded, back);
        var noise = tone.Zip(back, (a, b) => (short)(a - b)).ToArray();
        var snr = 20 * Math.Log10(TestAudio.Rms(tone) / TestAudio.Rms(noise));
        Assert.InRange(snr, 30, 45); // G.711 gives ~38 dB SNR over its range
    }
}

public class MuLawAgainstNAudioTests
{
    [Fact]
    public void Decoding_matches_naudio_except_minus_zero()
    {
        for (var code = 0; code < 256; code++)
        {
            var expected = code == 0x7F ? 0 : NAudio.Codecs.MuLawDecoder.MuLawToLinearSample((byte)code); // NAudio: 0x7F -> -1
            Assert.Equal(expected, MuLaw.Decode((byte)code));
        }
    }

    [Fact]
    public void Encoding_matches_naudio_for_every_sample_except_minus_32768()
    {
        for (var s = short.MinValue + 1; s <= short.MaxValue; s++)
            Assert.True(NAudio.Codecs.MuLawEncoder.LinearToMuLawSample((short)s) == MuLaw.Encode((short)s), $"sample {s}");
        Assert.Equal(0x00, MuLaw.Encode(short.MinValue)); // NAudio overflows to 0x7F (-0) here
    }
}
