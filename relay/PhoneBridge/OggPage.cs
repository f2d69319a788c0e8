using System.Buffers.Binary;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>Header type flags of an Ogg page (RFC 3533 section 6).</summary>
[Flags]
public enum OggHeaderType : byte
{
    None = 0,
    Continued = 1,
    BeginOfStream = 2,
    EndOfStream = 4,
}

/// <summary>
/// One Ogg page (RFC 3533 section 6): the 27-byte header ("OggS", version 0, flags, granule position, serial,
/// sequence number, CRC, segment count), the lacing table and the body. Packets are split into 255-byte
/// segments; a lacing value under 255 ends a packet, and a page whose last value is 255 leaves its last
/// packet to be continued on the next page.
/// </summary>
public sealed record OggPage(OggHeaderType Flags, long GranulePosition, uint Serial, uint Sequence, byte[] Lacing, byte[] Body)
{
    public const int HeaderSize = 27;
    public const int MaxSegments = 255;
    public static ReadOnlySpan<byte> CapturePattern => "OggS"u8;

    /// <summary>The lacing values for packets that all end on this page.</summary>
    public static byte[] LacingFor(IReadOnlyList<int> packetLengths)
    {
        var lacing = new List<byte>();
        foreach (var length in packetLengths)
        {
            for (var left = length; ; left -= 255)
            {
                if (left >= 255) lacing.Add(255);
                else
                {
                    lacing.Add((byte)left);
                    break;
                }
            }
        }
        if (lacing.Count > MaxSegments) throw new ArgumentException($"packets need {lacing.Count} lacing values; a page holds {MaxSegments}");
        return [.. lacing];
    }

    /// <summary>A page holding whole packets.</summary>
    public static OggPage ForPackets(OggHeaderType flags, long granule, uint serial, uint sequence, IReadOnlyList<byte[]> packets)
    {
        var lacing = LacingFor([.. packets.Select(p => p.Length)]);
        return new OggPage(flags, granule, serial, sequence, lacing, [.. packets.SelectMany(p => p)]);
    }

    public int Length => HeaderSize + Lacing.Length + Body.Length;

    /// <summary>The page as bytes, with its CRC.</summary>
    public byte[] ToBytes()
    {
        var page = new byte[Length];
        var span = page.AsSpan();
        CapturePattern.CopyTo(span);
        span[4] = 0;
        span[5] = (byte)Flags;
        BinaryPrimitives.WriteInt64LittleEndian(span[6..], GranulePosition);
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], Serial);
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], Sequence);
        span[26] = (byte)Lacing.Length;
        Lacing.CopyTo(span[HeaderSize..]);
        Body.CopyTo(span[(HeaderSize + Lacing.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[22..], OggCrc.Compute(page));
        return page;
    }

    /// <summary>
    /// Reads one page from the start of <paramref name="data"/>. Returns null when more bytes are needed;
    /// throws <see cref="InvalidDataException"/> naming what is wrong when the bytes are not an Ogg page.
    /// </summary>
    public static OggPage? TryParse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        if (data.Length < 4)
        {
            if (!CapturePattern.StartsWith(data)) throw new InvalidDataException("not an Ogg page: capture pattern \"OggS\" missing");
            return null;
        }
        if (!data.StartsWith(CapturePattern)) throw new InvalidDataException("not an Ogg page: capture pattern \"OggS\" missing");
        if (data.Length < HeaderSize) return null;
        if (data[4] != 0) throw new InvalidDataException($"Ogg page version {data[4]} unsupported (only 0 exists)");
        var segments = data[26];
        if (data.Length < HeaderSize + segments) return null;
        var lacing = data.Slice(HeaderSize, segments);
        var bodyLength = 0;
        foreach (var l in lacing) bodyLength += l;
        var length = HeaderSize + segments + bodyLength;
        if (data.Length < length) return null;

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(data[22..]);
        var crc = OggCrc.Compute(data[..22]);
        crc = OggCrc.Compute([0, 0, 0, 0], crc);
        crc = OggCrc.Compute(data[26..length], crc);
        if (crc != stored) throw new InvalidDataException($"Ogg page CRC mismatch (stored 0x{stored:X8}, computed 0x{crc:X8})");

        consumed = length;
        return new OggPage((OggHeaderType)data[5], BinaryPrimitives.ReadInt64LittleEndian(data[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[14..]), BinaryPrimitives.ReadUInt32LittleEndian(data[18..]),
            lacing.ToArray(), data.Slice(HeaderSize + segments, bodyLength).ToArray());
    }
}
