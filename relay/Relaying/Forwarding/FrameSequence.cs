namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>Why a frame may not be forwarded.</summary>
public enum FrameVerdict
{
    Ok,
    /// <summary>RSV1-3 set: no extension was negotiated on either leg, so none may be used (1002).</summary>
    ReservedBits,
    /// <summary>Opcode 3-7 or 0xB-0xF (1002).</summary>
    ReservedOpcode,
    /// <summary>A client frame without a mask, or a server frame with one (RFC 6455 5.1; 1002).</summary>
    WrongMasking,
    /// <summary>A control frame with more than 125 bytes of payload (1002).</summary>
    ControlTooLong,
    /// <summary>A control frame without FIN (1002).</summary>
    ControlFragmented,
    /// <summary>A continuation frame with no message in progress (1002).</summary>
    UnexpectedContinuation,
    /// <summary>A new text or binary frame while a fragmented message is in progress (1002).</summary>
    ExpectedContinuation,
    /// <summary>A 64-bit length with the top bit set (1002); reported by the parser, not by <see cref="FrameSequence.Check"/>.</summary>
    LengthTooLarge,
    /// <summary>A close frame whose body is one byte, carries a code that may not be sent, or a reason that is not UTF-8 (1002).</summary>
    InvalidClose,
    /// <summary>The message would pass the size limit (1009), known from the header alone.</summary>
    TooBig,
}

/// <summary>
/// The rules a sequence of frame headers from one peer must follow, checked one header at a time: masking for the
/// peer's role, reserved bits and opcodes, control frame limits, fragmentation order, and the message size limit
/// (summed over fragments). A pure state machine: no I/O, no allocation.
/// </summary>
public struct FrameSequence(bool fromClient, long maxMessageBytes)
{
    private bool _inMessage;
    private long _messageBytes;
    private bool _limitOff;

    public readonly bool InMessage => _inMessage;

    /// <summary>Checks the next header and, when it is a data frame that may pass, advances the message state.</summary>
    public FrameVerdict Check(in WebSocketFrameHeader header)
    {
        if (header.Reserved != 0) return FrameVerdict.ReservedBits;
        if (!header.IsKnownOpcode) return FrameVerdict.ReservedOpcode;
        if (header.Masked != fromClient) return FrameVerdict.WrongMasking;
        if (header.IsControl)
        {
            if (header.PayloadLength > 125) return FrameVerdict.ControlTooLong;
            return header.Fin ? FrameVerdict.Ok : FrameVerdict.ControlFragmented;
        }
        if (header.Opcode == WebSocketFrameHeader.Continuation && !_inMessage) return FrameVerdict.UnexpectedContinuation;
        if (header.Opcode != WebSocketFrameHeader.Continuation && _inMessage) return FrameVerdict.ExpectedContinuation;
        var total = (header.Opcode == WebSocketFrameHeader.Continuation ? _messageBytes : 0) + header.PayloadLength;
        if (!_limitOff && (total > maxMessageBytes || total < 0)) return FrameVerdict.TooBig;
        _messageBytes = total;
        _inMessage = !header.Fin;
        return FrameVerdict.Ok;
    }

    /// <summary>After a 1009 the rest of the stream is only read to find the peer's close: stop limiting, keep the order rules.</summary>
    public void StopLimiting() => _limitOff = true;

    public static bool IsProtocolError(FrameVerdict verdict) => verdict is not (FrameVerdict.Ok or FrameVerdict.TooBig);

    /// <summary>The reason sent with the 1002 close (ASCII, well under 123 bytes).</summary>
    public static string Describe(FrameVerdict verdict) => verdict switch
    {
        FrameVerdict.ReservedBits => "reserved bits set (no extension negotiated)",
        FrameVerdict.ReservedOpcode => "reserved opcode",
        FrameVerdict.WrongMasking => "frame masking wrong for the sender's role",
        FrameVerdict.ControlTooLong => "control frame longer than 125 bytes",
        FrameVerdict.ControlFragmented => "fragmented control frame",
        FrameVerdict.UnexpectedContinuation => "continuation frame without a message",
        FrameVerdict.ExpectedContinuation => "new message inside a fragmented message",
        FrameVerdict.LengthTooLarge => "frame length over 2^63",
        FrameVerdict.InvalidClose => "invalid close frame",
        _ => verdict.ToString(),
    };
}
