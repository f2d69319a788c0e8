using Concentus;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The Speex resampler (Concentus's port) for one mono stream, e.g. 8 kHz to 24 kHz. It keeps its filter
/// state between calls, so a stream fed frame by frame comes out continuous.
/// </summary>
public sealed class MonoResampler
{
    /// <summary>Speex quality 0-10; 3 is speexdsp's SPEEX_RESAMPLER_QUALITY_VOIP, enough for 4 kHz phone audio.</summary>
    public const int Quality = 3;

    private readonly IResampler _resampler;
    private readonly int _inRate;
    private readonly int _outRate;

    public MonoResampler(int inRate, int outRate)
    {
        _inRate = inRate;
        _outRate = outRate;
        _resampler = ResamplerFactory.CreateResampler(1, inRate, outRate, Quality);
    }

    /// <summary>Most samples <see cref="Process"/> can produce for <paramref name="inputLength"/> input samples.</summary>
    public int MaxOutput(int inputLength) => (int)(((long)inputLength * _outRate + _inRate - 1) / _inRate) + 1;

    /// <summary>Resamples all of <paramref name="input"/>; returns how many samples it wrote to <paramref name="output"/>.</summary>
    public int Process(ReadOnlySpan<short> input, Span<short> output)
    {
        var written = 0;
        var consumed = 0;
        // The Speex API takes a mutable span; copy so callers can pass read-only data.
        Span<short> buffer = input.Length <= 2048 ? stackalloc short[input.Length] : new short[input.Length];
        input.CopyTo(buffer);
        while (consumed < input.Length)
        {
            var inLen = input.Length - consumed;
            var outLen = output.Length - written;
            if (outLen <= 0) throw new ArgumentException("output buffer too small", nameof(output));
            _resampler.Process(0, buffer[consumed..], ref inLen, output[written..], ref outLen);
            if (inLen == 0 && outLen == 0) break;
            consumed += inLen;
            written += outLen;
        }
        return written;
    }
}
