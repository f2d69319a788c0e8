using VoiceEdge.Relay.Relaying.Forwarding;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>The pure parts of the forwarder: the header parser and the per-peer sequence rules.</summary>
public class FrameHeaderTests
{
    [Theory]
    [InlineData(0, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65535, 4)]
    [InlineData(65536, 10)]
    public void Parses_each_length_form_and_nothing_until_the_header_is_whole(int length, int unmaskedHeader)
    {
        foreach (var mask in new[] { false, true })
        {
            var frame = RawFrames.Build(RawFrames.Binary, new byte[length], mask: mask);
            var headerLength = unmaskedHeader + (mask ? 4 : 0);
            for (var prefix = 0; prefix < headerLength; prefix++)
            {
                Assert.Equal(FrameParseStatus.Incomplete, WebSocketFrameHeader.TryParse(frame.AsSpan(0, prefix), out _, out var none));
                Assert.Equal(0, none);
            }
            Assert.Equal(FrameParseStatus.Complete, WebSocketFrameHeader.TryParse(frame.AsSpan(0, headerLength), out var header, out var consumed));
            Assert.Equal((headerLength, (long)length, mask, true, WebSocketFrameHeader.Binary), (consumed, header.PayloadLength, header.Masked, header.Fin, header.Opcode));
            Assert.Equal(frame.Length, header.FrameLength);
        }
    }

    [Fact]
    public void A_length_of_2_to_the_63_is_refused_and_2_to_the_63_minus_1_is_read()
    {
        var tooLong = RawFrames.Build(RawFrames.Binary, [], lengthOverride: 1UL << 63);
        Assert.Equal(FrameParseStatus.LengthTooLarge, WebSocketFrameHeader.TryParse(tooLong, out _, out var consumed));
        Assert.Equal(0, consumed);
        var longest = RawFrames.Build(RawFrames.Binary, [], lengthOverride: long.MaxValue);
        Assert.Equal(FrameParseStatus.Complete, WebSocketFrameHeader.TryParse(longest, out var header, out _));
        Assert.Equal(long.MaxValue, header.PayloadLength);
    }

    [Fact]
    public void Reads_reserved_bits_opcode_and_mask_key_as_written()
    {
        var frame = RawFrames.Build(0xB, "abc"u8, fin: false, reserved: 5, seed: 42);
        WebSocketFrameHeader.TryParse(frame, out var header, out var consumed);
        Assert.Equal((false, (byte)5, (byte)0xB, true), (header.Fin, header.Reserved, header.Opcode, header.Masked));
        var payload = frame[consumed..];
        WebSocketFrameHeader.ApplyMask(payload, header.MaskKey);
        Assert.Equal("abc"u8.ToArray(), payload);
        Assert.False(header.IsKnownOpcode);
    }

    [Fact]
    public void Write_produces_what_the_independent_builder_produces_unmasked()
    {
        foreach (var length in new[] { 0, 125, 126, 65535, 65536 })
        {
            var expected = RawFrames.Build(RawFrames.Ping, new byte[length], mask: false);
            var written = new byte[14];
            var n = WebSocketFrameHeader.Write(written, WebSocketFrameHeader.Ping, length, null);
            Assert.Equal(expected[..n], written[..n]);
            Assert.Equal(expected.Length - length, n);
        }
    }

    public static TheoryData<string, byte[], FrameVerdict> Violations => new()
    {
        { "rsv1 (permessage-deflate not negotiated)", RawFrames.Build(RawFrames.Text, "x"u8, reserved: 4), FrameVerdict.ReservedBits },
        { "opcode 3", RawFrames.Build(3, "x"u8), FrameVerdict.ReservedOpcode },
        { "opcode 0xF", RawFrames.Build(0xF, "x"u8), FrameVerdict.ReservedOpcode },
        { "unmasked client frame", RawFrames.Build(RawFrames.Text, "x"u8, mask: false), FrameVerdict.WrongMasking },
        { "ping of 126 bytes", RawFrames.Build(RawFrames.Ping, new byte[126]), FrameVerdict.ControlTooLong },
        { "fragmented ping", RawFrames.Build(RawFrames.Ping, "x"u8, fin: false), FrameVerdict.ControlFragmented },
        { "continuation without a message", RawFrames.Build(RawFrames.Continuation, "x"u8), FrameVerdict.UnexpectedContinuation },
        { "over the limit", RawFrames.Build(RawFrames.Binary, new byte[1025]), FrameVerdict.TooBig },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void The_sequence_rules_refuse_each_violation(string what, byte[] frame, FrameVerdict expected)
    {
        var sequence = new FrameSequence(fromClient: true, maxMessageBytes: 1024);
        Assert.Equal(FrameParseStatus.Complete, WebSocketFrameHeader.TryParse(frame, out var header, out _));
        Assert.True(expected == sequence.Check(header), what);
    }

    [Fact]
    public void Fragments_count_toward_one_limit_and_control_frames_may_come_between()
    {
        var sequence = new FrameSequence(fromClient: false, maxMessageBytes: 1024);
        Assert.Equal(FrameVerdict.Ok, Check(ref sequence, RawFrames.Build(RawFrames.Text, new byte[600], fin: false, mask: false)));
        Assert.True(sequence.InMessage);
        Assert.Equal(FrameVerdict.Ok, Check(ref sequence, RawFrames.Build(RawFrames.Ping, "p"u8, mask: false)));
        Assert.Equal(FrameVerdict.ExpectedContinuation, Check(ref sequence, RawFrames.Build(RawFrames.Binary, "b"u8, mask: false)));
        Assert.Equal(FrameVerdict.Ok, Check(ref sequence, RawFrames.Build(RawFrames.Continuation, new byte[424], fin: false, mask: false)));
        Assert.Equal(FrameVerdict.TooBig, Check(ref sequence, RawFrames.Build(RawFrames.Continuation, new byte[1], mask: false)));
        Assert.Equal(FrameVerdict.Ok, Check(ref sequence, RawFrames.Build(RawFrames.Continuation, [], mask: false)));
        Assert.False(sequence.InMessage);
        Assert.Equal(FrameVerdict.Ok, Check(ref sequence, RawFrames.Build(RawFrames.Binary, new byte[1024], mask: false)));
        Assert.Equal(FrameVerdict.WrongMasking, Check(ref sequence, RawFrames.Build(RawFrames.Binary, "m"u8, mask: true)));
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(4999, true)]
    [InlineData(999, false)]
    [InlineData(1005, false)]
    [InlineData(1006, false)]
    [InlineData(1015, false)]
    [InlineData(5000, false)]
    public void Close_codes_that_may_not_be_sent_are_malformed(int code, bool valid)
    {
        var frame = RawFrames.CloseFrame(code, "why");
        WebSocketFrameHeader.TryParse(frame, out var header, out var consumed);
        Assert.Equal(valid, CloseFrame.TryRead(frame.AsSpan(consumed), header.MaskKey, out var read, out var reason));
        if (valid) Assert.Equal((code, "why"), (read!.Value, reason));
        Assert.False(CloseFrame.TryRead([0x03], null, out _, out _));
        Assert.False(CloseFrame.TryRead([0x03, 0xE8, 0xFF], null, out _, out _));
        Assert.True(CloseFrame.TryRead([], null, out var none, out _));
        Assert.Null(none);
    }

    private static FrameVerdict Check(ref FrameSequence sequence, byte[] frame)
    {
        WebSocketFrameHeader.TryParse(frame, out var header, out _);
        return sequence.Check(header);
    }
}
