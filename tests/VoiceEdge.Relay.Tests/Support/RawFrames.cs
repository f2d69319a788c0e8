using System.Buffers.Binary;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>A frame as read off the wire by <see cref="RawPeer"/> (payload unmasked), written independently of the relay's parser.</summary>
public sealed record RawFrame(bool Fin, byte Reserved, byte Opcode, bool Masked, byte[] Payload)
{
    public int? CloseCode => Opcode == 8 && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public string CloseReason => Opcode == 8 && Payload.Length > 2 ? Encoding.UTF8.GetString(Payload, 2, Payload.Length - 2) : "";
}

/// <summary>Builds WebSocket frames byte by byte, including ones no WebSocket library would send.</summary>
public static class RawFrames
{
    public const byte Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10;

    /// <param name="lengthOverride">Writes this 64-bit length instead of the payload's (with the 127 form).</param>
    public static byte[] Build(byte opcode, ReadOnlySpan<byte> payload, bool fin = true, bool mask = true, byte reserved = 0, ulong? lengthOverride = null, int seed = 1)
    {
        using var frame = new MemoryStream();
        frame.WriteByte((byte)((fin ? 0x80 : 0) | (reserved << 4) | opcode));
        var maskBit = mask ? 0x80 : 0;
        Span<byte> length = stackalloc byte[8];
        if (lengthOverride is { } forced)
        {
            frame.WriteByte((byte)(maskBit | 127));
            BinaryPrimitives.WriteUInt64BigEndian(length, forced);
            frame.Write(length);
        }
        else if (payload.Length < 126)
        {
            frame.WriteByte((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.WriteByte((byte)(maskBit | 126));
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)payload.Length);
            frame.Write(length[..2]);
        }
        else
        {
            frame.WriteByte((byte)(maskBit | 127));
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.Write(length);
        }
        var body = payload.ToArray();
        if (mask)
        {
            var key = new byte[4];
            new Random(seed).NextBytes(key);
            frame.Write(key);
            for (var i = 0; i < body.Length; i++) body[i] ^= key[i & 3];
        }
        frame.Write(body);
        return frame.ToArray();
    }

    public static byte[] CloseFrame(int code, string reason, bool mask = true)
    {
        var body = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        Encoding.UTF8.GetBytes(reason, body.AsSpan(2));
        return Build(Close, body, mask: mask);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
