using Concentus;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The caller's audio on its way to the model: G.711 mu-law at 8 kHz, decoded, resampled to 24 kHz, Opus
/// encoded in 20 ms frames and written as Ogg pages (one page per frame). Not thread-safe: one per call.
/// </summary>
public sealed class CallerToModel : IDisposable
{
    public const int TwilioRate = 8_000;
    private const int MaxOpusPacket = 1275;

    private readonly IOpusEncoder _encoder;
    private readonly MonoResampler _upsampler = new(TwilioRate, OpusCodecs.SampleRate);
    private readonly OggOpusWriter _writer;
    private readonly short[] _frame = new short[OpusCodecs.FrameSamples];
    private readonly byte[] _packet = new byte[MaxOpusPacket];
    private short[] _pcm8k = new short[160];
    private short[] _pcm24k = new short[512];
    private int _filled;
    private bool _headersWritten;

    public CallerToModel(IOpusEncoder encoder, uint serial)
    {
        _encoder = encoder;
        // Pre-skip is the encoder's look-ahead, counted at 48 kHz (RFC 7845 section 4.2).
        _writer = new OggOpusWriter(serial, TwilioRate, (ushort)(encoder.Lookahead * (48_000 / OpusCodecs.SampleRate)));
    }

    public OpusImplementation Implementation => OpusCodecs.ImplementationOf(_encoder);

    /// <summary>Opus frames encoded so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Adds caller audio; appends to <paramref name="pages"/> the Ogg bytes it completes (headers first).</summary>
    public void Push(ReadOnlySpan<byte> mulaw, List<byte[]> pages)
    {
        if (!_headersWritten)
        {
            pages.Add(_writer.HeaderPages());
            _headersWritten = true;
        }
        if (_pcm8k.Length < mulaw.Length) _pcm8k = new short[mulaw.Length];
        MuLaw.Decode(mulaw, _pcm8k);
        var need = _upsampler.MaxOutput(mulaw.Length);
        if (_pcm24k.Length < need) _pcm24k = new short[need];
        var count = _upsampler.Process(_pcm8k.AsSpan(0, mulaw.Length), _pcm24k);
        var samples = _pcm24k.AsSpan(0, count);
        while (samples.Length > 0)
        {
            var take = Math.Min(samples.Length, _frame.Length - _filled);
            samples[..take].CopyTo(_frame.AsSpan(_filled));
            _filled += take;
            samples = samples[take..];
            if (_filled < _frame.Length) break;
            var length = _encoder.Encode(_frame, _frame.Length, _packet, _packet.Length);
            pages.Add(_writer.AudioPage(_packet.AsSpan(0, length), _frame.Length * (48_000 / OpusCodecs.SampleRate)));
            _filled = 0;
            Frames++;
        }
    }

    public void Dispose() => (_encoder as IDisposable)?.Dispose();
}
