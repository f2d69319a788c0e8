using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>Reading a received close frame's status and reason, and building the relay's own close and ping frames.</summary>
public static class CloseFrame
{
    /// <summary>A close body: a 2-byte code and up to 123 bytes of UTF-8 reason.</summary>
    public const int MaxReasonBytes = 123;

    /// <summary>Room for any control frame the relay builds: header (with mask) plus 125 bytes.</summary>
    public const int MaxControlFrameBytes = 6 + 125;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads a close payload (still masked when <paramref name="maskKey"/> is given). False when it is malformed: one byte
    /// long, a code that may not be sent (RFC 6455 7.4: below 1000, 1004-1006, 1015, 5000 and up) or a reason that is not UTF-8.
    /// A missing code (empty payload) reads as null.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, int? maskKey, out int? code, out string reason)
    {
        code = null;
        reason = "";
        if (payload.Length == 0) return true;
        if (payload.Length == 1 || payload.Length > 125) return false;
        Span<byte> body = stackalloc byte[payload.Length];
        payload.CopyTo(body);
        if (maskKey is { } key) WebSocketFrameHeader.ApplyMask(body, key);
        var value = BinaryPrimitives.ReadUInt16BigEndian(body);
        if (!MaySend(value)) return false;
        try
        {
            reason = StrictUtf8.GetString(body[2..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        code = value;
        return true;
    }

    public static bool MaySend(int code) => code is >= 1000 and < 5000 and not (1004 or 1005 or 1006 or 1015);

    /// <summary>Builds a close frame: masked when the relay is the client on that leg. Returns its length.</summary>
    public static int Write(Span<byte> destination, int code, string reason, bool mask)
    {
        Span<byte> body = stackalloc byte[2 + MaxReasonBytes];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        var reasonBytes = Encoding.UTF8.GetBytes(Truncate(reason), body[2..]);
        return WriteControl(destination, WebSocketFrameHeader.Close, body[..(2 + reasonBytes)], mask);
    }

    /// <summary>Builds a final control frame (close, ping) with the given payload; returns its length.</summary>
    public static int WriteControl(Span<byte> destination, byte opcode, ReadOnlySpan<byte> payload, bool mask)
    {
        int? key = mask ? BinaryPrimitives.ReadInt32LittleEndian(RandomNumberGenerator.GetBytes(4)) : null;
        var at = WebSocketFrameHeader.Write(destination, opcode, payload.Length, key);
        payload.CopyTo(destination[at..]);
        if (key is { } k) WebSocketFrameHeader.ApplyMask(destination.Slice(at, payload.Length), k);
        return at + payload.Length;
    }

    private static string Truncate(string reason)
    {
        while (Encoding.UTF8.GetByteCount(reason) > MaxReasonBytes) reason = reason[..^1];
        return reason;
    }
}
