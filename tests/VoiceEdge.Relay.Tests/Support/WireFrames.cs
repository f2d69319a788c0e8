using System.Buffers.Binary;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>WebSocket frames at the byte level (RFC 6455 section 5.2), for writing hostile client frames and reading the relay's.</summary>
public static class WireFrames
{
    /// <summary>One client frame: any FIN/RSV/opcode, masked or not (a client must mask), any payload.</summary>
    public static byte[] Client(bool fin, int rsv, int opcode, bool masked, byte[] payload, byte[] maskKey)
    {
        using var frame = new MemoryStream();
        frame.WriteByte((byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F)));
        var maskBit = masked ? 0x80 : 0;
        if (payload.Length < 126)
        {
            frame.WriteByte((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.WriteByte((byte)(maskBit | 126));
            Span<byte> len = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)payload.Length);
            frame.Write(len);
        }
        else
        {
            frame.WriteByte((byte)(maskBit | 127));
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(len, (ulong)payload.Length);
            frame.Write(len);
        }
        if (masked)
        {
            frame.Write(maskKey);
            for (var i = 0; i < payload.Length; i++) frame.WriteByte((byte)(payload[i] ^ maskKey[i % 4]));
        }
        else
        {
            frame.Write(payload);
        }
        return frame.ToArray();
    }

    /// <summary>The close codes in a run of frames (masked or not); 1005 for a close without a code. Stops at a truncated frame.</summary>
    public static List<int> CloseCodes(byte[] wire)
    {
        var codes = new List<int>();
        var at = 0;
        while (at + 2 <= wire.Length)
        {
            var opcode = wire[at] & 0x0F;
            var masked = (wire[at + 1] & 0x80) != 0;
            long length = wire[at + 1] & 0x7F;
            at += 2;
            if (length == 126)
            {
                if (at + 2 > wire.Length) break;
                length = BinaryPrimitives.ReadUInt16BigEndian(wire.AsSpan(at));
                at += 2;
            }
            else if (length == 127)
            {
                if (at + 8 > wire.Length) break;
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(wire.AsSpan(at));
                at += 8;
            }
            var key = masked && at + 4 <= wire.Length ? wire.AsSpan(at, 4).ToArray() : [0, 0, 0, 0];
            if (masked) at += 4;
            if (length < 0 || at + length > wire.Length) break;
            if (opcode == 8) codes.Add(length >= 2 ? ((wire[at] ^ key[0]) << 8) | (wire[at + 1] ^ key[1]) : 1005);
            at += (int)length;
        }
        return codes;
    }
}
