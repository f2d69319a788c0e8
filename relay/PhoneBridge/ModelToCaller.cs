using Concentus;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The model's audio on its way to the caller: Ogg Opus (24 kHz) demultiplexed, decoded to 8 kHz (the native
/// libopus; Concentus's managed decoder at 48 kHz and resampled, see <see cref="OpusCodecs.NativeDecodeRate"/>)
/// and mu-law encoded into 20 ms frames of 160 bytes, Twilio's media size. Not thread-safe: one per call.
/// </summary>
public sealed class ModelToCaller : IDisposable
{
    public const int FrameBytes = 160;
    // 120 ms at the highest decode rate, the longest Opus packet.
    private const int MaxPacketSamples = OpusCodecs.ManagedDecodeRate * 120 / 1000;

    private readonly IOpusDecoder _decoder;
    private readonly OggOpusReader _reader = new();
    private readonly MonoResampler? _downsampler;
    private readonly int _decodeRate;
    private readonly short[] _decoded = new short[MaxPacketSamples];
    private readonly short[] _pcm8k = new short[MaxPacketSamples];
    private readonly byte[] _frame = new byte[FrameBytes];
    private int _filled;
    private int _preSkipLeft = -1;

    public ModelToCaller(IOpusDecoder decoder)
    {
        _decoder = decoder;
        _decodeRate = decoder.SampleRate;
        if (_decodeRate != CallerToModel.TwilioRate) _downsampler = new MonoResampler(_decodeRate, CallerToModel.TwilioRate);
    }

    public OpusImplementation Implementation => OpusCodecs.ImplementationOf(_decoder);

    /// <summary>Opus packets decoded so far.</summary>
    public long Packets { get; private set; }

    /// <summary>
    /// Adds Ogg bytes; appends to <paramref name="frames"/> the 160-byte mu-law frames they complete.
    /// Throws InvalidDataException when the bytes are not a valid Ogg Opus stream.
    /// </summary>
    public void Push(ReadOnlySpan<byte> ogg, List<byte[]> frames)
    {
        foreach (var packet in _reader.Push(ogg))
        {
            int decoded;
            try
            {
                decoded = _decoder.Decode(packet, _decoded, MaxPacketSamples, decode_fec: false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"Opus packet {Packets + 1} does not decode: {e.Message}", e);
            }
            if (decoded < 0) throw new InvalidDataException($"Opus packet {Packets + 1} does not decode (error {decoded})");
            Packets++;
            var pcm = _decoded.AsSpan(0, decoded);
            // Drop the encoder's look-ahead announced in OpusHead (48 kHz units).
            if (_preSkipLeft < 0) _preSkipLeft = _reader.Head!.PreSkip * _decodeRate / 48_000;
            var skip = Math.Min(_preSkipLeft, pcm.Length);
            _preSkipLeft -= skip;
            pcm = pcm[skip..];
            if (pcm.IsEmpty) continue;
            if (_downsampler is null) Emit(pcm, frames);
            else Emit(_pcm8k.AsSpan(0, _downsampler.Process(pcm, _pcm8k)), frames);
        }
    }

    private void Emit(ReadOnlySpan<short> pcm8k, List<byte[]> frames)
    {
        Span<byte> mulaw = stackalloc byte[FrameBytes];
        while (pcm8k.Length > 0)
        {
            var take = Math.Min(pcm8k.Length, FrameBytes - _filled);
            MuLaw.Encode(pcm8k[..take], mulaw[..take]);
            mulaw[..take].CopyTo(_frame.AsSpan(_filled));
            _filled += take;
            pcm8k = pcm8k[take..];
            if (_filled < FrameBytes) break;
            frames.Add([.. _frame]);
            _filled = 0;
        }
    }

    public void Dispose() => (_decoder as IDisposable)?.Dispose();
}
