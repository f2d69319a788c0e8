using System.Buffers.Binary;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The Ogg Opus identification header (RFC 7845 section 5.1): "OpusHead", version 1, channel count, pre-skip
/// (48 kHz samples to drop at the start), the input sample rate (informational), output gain (Q7.8 dB) and
/// channel mapping family. Family 0 (mono or stereo, no mapping table) is the only one the bridge reads.
/// </summary>
public sealed record OpusHead(byte Channels, ushort PreSkip, uint InputSampleRate, short OutputGain = 0, byte MappingFamily = 0)
{
    public const int Size = 19;
    public static ReadOnlySpan<byte> Magic => "OpusHead"u8;

    public byte[] ToBytes()
    {
        var packet = new byte[Size];
        var span = packet.AsSpan();
        Magic.CopyTo(span);
        span[8] = 1;
        span[9] = Channels;
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], PreSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], InputSampleRate);
        BinaryPrimitives.WriteInt16LittleEndian(span[16..], OutputGain);
        span[18] = MappingFamily;
        return packet;
    }

    /// <summary>Parses an OpusHead packet; throws InvalidDataException naming what is wrong.</summary>
    public static OpusHead Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Size || !packet.StartsWith(Magic)) throw new InvalidDataException("Ogg Opus: first packet is not an OpusHead header");
        // RFC 7845 5.1: a major version (upper four bits) other than 0 is incompatible.
        if ((packet[8] >> 4) != 0) throw new InvalidDataException($"Ogg Opus: OpusHead version {packet[8]} unsupported");
        var head = new OpusHead(packet[9], BinaryPrimitives.ReadUInt16LittleEndian(packet[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(packet[12..]), BinaryPrimitives.ReadInt16LittleEndian(packet[16..]), packet[18]);
        if (head.Channels is 0) throw new InvalidDataException("Ogg Opus: OpusHead announces 0 channels");
        if (head.MappingFamily != 0) throw new InvalidDataException($"Ogg Opus: channel mapping family {head.MappingFamily} unsupported (only 0: mono or stereo)");
        if (head.Channels > 2) throw new InvalidDataException($"Ogg Opus: {head.Channels} channels with mapping family 0 (at most 2)");
        return head;
    }
}
