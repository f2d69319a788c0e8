namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Writes an Ogg Opus stream (RFC 7845) page by page for real-time sending: the OpusHead page (beginning of
/// stream), the OpusTags page, then one page per Opus packet so nothing waits for a page to fill. Granule
/// positions count 48 kHz samples, whatever the input rate (RFC 7845 section 4).
/// </summary>
public sealed class OggOpusWriter(uint serial, int inputSampleRate, ushort preSkip48k, string vendor = "voice-edge relay")
{
    private uint _sequence;
    private long _granule;

    /// <summary>The two header pages, as one byte array.</summary>
    public byte[] HeaderPages()
    {
        if (_sequence != 0) throw new InvalidOperationException("header pages are written once, first");
        var head = OggPage.ForPackets(OggHeaderType.BeginOfStream, 0, serial, _sequence++,
            [new OpusHead(OpusCodecs.Channels, preSkip48k, (uint)inputSampleRate).ToBytes()]).ToBytes();
        var tags = OggPage.ForPackets(OggHeaderType.None, 0, serial, _sequence++, [new OpusTags(vendor, []).ToBytes()]).ToBytes();
        return [.. head, .. tags];
    }

    /// <summary>One page holding one Opus packet of <paramref name="samples48k"/> samples at 48 kHz.</summary>
    public byte[] AudioPage(ReadOnlySpan<byte> packet, int samples48k, bool endOfStream = false)
    {
        if (_sequence < 2) throw new InvalidOperationException("write the header pages first");
        _granule += samples48k;
        return OggPage.ForPackets(endOfStream ? OggHeaderType.EndOfStream : OggHeaderType.None, _granule, serial, _sequence++, [packet.ToArray()]).ToBytes();
    }
}
