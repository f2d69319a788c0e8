using System.Buffers.Binary;

namespace VoiceEdge.Bench.LoadGen;

/// <summary>Minimal frame reading for the generator and the echo: header fields and where the payload starts.</summary>
public readonly record struct Frame(bool Fin, byte Opcode, bool Masked, int MaskKey, int PayloadLength, int HeaderLength)
{
    /// <summary>False when <paramref name="input"/> does not hold a whole header yet.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out Frame frame)
    {
        frame = default;
        if (input.Length < 2) return false;
        var masked = (input[1] & 0x80) != 0;
        var length7 = input[1] & 0x7F;
        var extra = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        var header = 2 + extra + (masked ? 4 : 0);
        if (input.Length < header) return false;
        long length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(input[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(input[2..]),
            _ => length7,
        };
        if (length > 64 * 1024 * 1024) throw new InvalidDataException($"frame of {length} bytes: not what a benchmark sends");
        var key = masked ? BinaryPrimitives.ReadInt32LittleEndian(input[(2 + extra)..]) : 0;
        frame = new Frame((input[0] & 0x80) != 0, (byte)(input[0] & 0xF), masked, key, (int)length, header);
        return true;
    }

    public int Total => HeaderLength + PayloadLength;

    public static void Mask(Span<byte> payload, int key)
    {
        Span<byte> k = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(k, key);
        for (var i = 0; i < payload.Length; i++) payload[i] ^= k[i & 3];
    }
}
