using System.Buffers.Binary;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>What <see cref="WebSocketFrameHeader.TryParse"/> found at the start of its input.</summary>
public enum FrameParseStatus
{
    /// <summary>Not enough bytes yet for a whole header; nothing consumed.</summary>
    Incomplete,

    /// <summary>A whole header; <c>consumed</c> is its length.</summary>
    Complete,

    /// <summary>A 64-bit length with the most significant bit set (RFC 6455 5.2 forbids it): a protocol error.</summary>
    LengthTooLarge,
}

/// <summary>
/// One WebSocket frame header (RFC 6455 section 5.2). <see cref="TryParse"/> is a pure function of its input, so it can be
/// fuzzed on its own; what a header may mean in sequence (fragments, masking, limits) is <see cref="FrameSequence"/>'s job.
/// </summary>
public readonly record struct WebSocketFrameHeader(bool Fin, byte Reserved, byte Opcode, bool Masked, int MaskKey, long PayloadLength, int HeaderLength)
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>The longest header: 2 bytes, a 64-bit length and a mask key.</summary>
    public const int MaxLength = 14;

    public bool IsControl => (Opcode & 0x8) != 0;

    public bool IsData => Opcode is Continuation or Text or Binary;

    /// <summary>Opcodes 3-7 and 0xB-0xF are reserved (RFC 6455 5.2).</summary>
    public bool IsKnownOpcode => Opcode is Continuation or Text or Binary or Close or Ping or Pong;

    /// <summary>The whole frame: header plus payload.</summary>
    public long FrameLength => HeaderLength + PayloadLength;

    /// <summary>Reads the header at the start of <paramref name="input"/>; consumes nothing unless it is complete.</summary>
    public static FrameParseStatus TryParse(ReadOnlySpan<byte> input, out WebSocketFrameHeader header, out int consumed)
    {
        header = default;
        consumed = 0;
        if (input.Length < 2) return FrameParseStatus.Incomplete;
        byte b0 = input[0], b1 = input[1];
        var masked = (b1 & 0x80) != 0;
        var length7 = b1 & 0x7F;
        var lengthBytes = length7 switch { 126 => 2, 127 => 8, _ => 0 };
        var headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        if (input.Length < headerLength) return FrameParseStatus.Incomplete;

        long payloadLength = length7;
        if (length7 == 126)
        {
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        }
        else if (length7 == 127)
        {
            var length64 = BinaryPrimitives.ReadUInt64BigEndian(input[2..]);
            if (length64 > long.MaxValue) return FrameParseStatus.LengthTooLarge;
            payloadLength = (long)length64;
        }
        var maskKey = masked ? BinaryPrimitives.ReadInt32LittleEndian(input[(2 + lengthBytes)..]) : 0;
        header = new WebSocketFrameHeader((b0 & 0x80) != 0, (byte)((b0 >> 4) & 0x7), (byte)(b0 & 0xF), masked, maskKey, payloadLength, headerLength);
        consumed = headerLength;
        return FrameParseStatus.Complete;
    }

    /// <summary>Writes a final frame's header (minimal length encoding); returns its length.</summary>
    public static int Write(Span<byte> destination, byte opcode, long payloadLength, int? maskKey)
    {
        destination[0] = (byte)(0x80 | opcode);
        var maskBit = (byte)(maskKey is null ? 0 : 0x80);
        int at;
        if (payloadLength < 126)
        {
            destination[1] = (byte)(maskBit | payloadLength);
            at = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            at = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            at = 10;
        }
        if (maskKey is { } key)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination[at..], key);
            at += 4;
        }
        return at;
    }

    /// <summary>XORs <paramref name="payload"/> with the mask key in place (masking and unmasking are the same operation).</summary>
    public static void ApplyMask(Span<byte> payload, int maskKey)
    {
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(key, maskKey);
        for (var i = 0; i < payload.Length; i++) payload[i] ^= key[i & 3];
    }
}
