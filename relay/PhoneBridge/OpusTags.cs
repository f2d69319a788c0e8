using System.Buffers.Binary;
using System.Text;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The Ogg Opus comment header (RFC 7845 section 5.2): "OpusTags", a vendor string and user comments
/// ("NAME=value"), every string length-prefixed (32-bit little endian) UTF-8.
/// </summary>
public sealed record OpusTags(string Vendor, IReadOnlyList<string> Comments)
{
    public static ReadOnlySpan<byte> Magic => "OpusTags"u8;

    public byte[] ToBytes()
    {
        var strings = Comments.Select(Encoding.UTF8.GetBytes).ToArray();
        var vendor = Encoding.UTF8.GetBytes(Vendor);
        var packet = new byte[8 + 4 + vendor.Length + 4 + strings.Sum(s => 4 + s.Length)];
        var span = packet.AsSpan();
        Magic.CopyTo(span);
        var at = 8;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], vendor.Length);
        vendor.CopyTo(span[(at += 4)..]);
        at += vendor.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], strings.Length);
        at += 4;
        foreach (var s in strings)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], s.Length);
            s.CopyTo(span[(at += 4)..]);
            at += s.Length;
        }
        return packet;
    }

    /// <summary>Parses an OpusTags packet; throws InvalidDataException naming what is wrong.</summary>
    public static OpusTags Parse(ReadOnlySpan<byte> packet)
    {
        if (!packet.StartsWith(Magic)) throw new InvalidDataException("Ogg Opus: second packet is not an OpusTags header");
        var at = 8;
        var vendor = ReadString(packet, ref at);
        var count = ReadLength(packet, ref at);
        var comments = new List<string>();
        for (var i = 0; i < count; i++) comments.Add(ReadString(packet, ref at));
        return new OpusTags(vendor, comments);
    }

    private static int ReadLength(ReadOnlySpan<byte> packet, ref int at)
    {
        if (packet.Length - at < 4) throw new InvalidDataException("Ogg Opus: OpusTags truncated");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(packet[at..]);
        at += 4;
        // A string needs that many bytes and a comment count at least four per comment: either way no more than what is left.
        if (length > (uint)(packet.Length - at)) throw new InvalidDataException("Ogg Opus: OpusTags length runs past the packet");
        return (int)length;
    }

    private static string ReadString(ReadOnlySpan<byte> packet, ref int at)
    {
        var length = ReadLength(packet, ref at);
        if (length > packet.Length - at) throw new InvalidDataException("Ogg Opus: OpusTags string runs past the packet");
        var s = Encoding.UTF8.GetString(packet.Slice(at, length));
        at += length;
        return s;
    }
}
