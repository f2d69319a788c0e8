using System.Buffers.Binary;
using CsCheck;
using VoiceEdge.Relay.Relaying.Forwarding;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// The forwarder's frame header parser and sequence rules on any bytes: nothing throws, nothing is consumed before a
/// header is whole, and a stream of frames split at arbitrary points yields the same headers as when read whole.
/// Headers here are encoded by an independent writer (RFC 6455 section 5.2), not by the parser's own Write.
/// </summary>
[Trait("Category", "Property")]
public class FrameParserProperties
{
    private sealed record Frame(bool Fin, byte Reserved, byte Opcode, int? MaskKey, byte[] Payload, int LengthForm);

    private static readonly Gen<Frame> AnyFrame = Gen.Select(
        Gen.Bool, Gen.Byte[0, 7], Gen.Byte[0, 15], Gen.Frequency((1, Gen.Const((int?)null)), (1, Gen.Int.Select(k => (int?)k))),
        Gen.Frequency((6, Gen.Byte.Array[0, 130]), (2, Gen.Byte.Array[126, 400]), (1, Gen.Byte.Array[65_536, 66_000])),
        Gen.Int[0, 2],
        (fin, rsv, opcode, mask, payload, form) => new Frame(fin, rsv, opcode, mask, payload, form));

    /// <summary>Header bytes for a frame: the length in the 7-bit, 16-bit or 64-bit form (non-minimal forms are legal on the wire).</summary>
    private static byte[] Header(Frame f)
    {
        var n = f.Payload.Length;
        var form = n > 65_535 ? 2 : n > 125 ? Math.Max(f.LengthForm, 1) : f.LengthForm;
        var lengthBytes = form switch { 0 => 0, 1 => 2, _ => 8 };
        var bytes = new byte[2 + lengthBytes + (f.MaskKey is null ? 0 : 4)];
        bytes[0] = (byte)((f.Fin ? 0x80 : 0) | (f.Reserved << 4) | f.Opcode);
        bytes[1] = (byte)((f.MaskKey is null ? 0 : 0x80) | form switch { 0 => n, 1 => 126, _ => 127 });
        if (form == 1) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)n);
        if (form == 2) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(2), (ulong)n);
        if (f.MaskKey is { } key) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2 + lengthBytes), key);
        return bytes;
    }

    [Fact]
    public void Any_bytes_parse_without_throwing_and_consume_only_a_whole_header() =>
        PropertyRun.ForAll(Gen.Byte.Array[0, 20], bytes =>
        {
            var status = WebSocketFrameHeader.TryParse(bytes, out var header, out var consumed);
            switch (status)
            {
                case FrameParseStatus.Incomplete:
                    Assert.Equal(0, consumed);
                    break;
                case FrameParseStatus.Complete:
                    Assert.Equal(header.HeaderLength, consumed);
                    Assert.InRange(consumed, 2, WebSocketFrameHeader.MaxLength);
                    Assert.True(consumed <= bytes.Length);
                    Assert.True(header.PayloadLength >= 0);
                    break;
                default:
                    Assert.Equal(FrameParseStatus.LengthTooLarge, status);
                    Assert.Equal(127, bytes[1] & 0x7F);
                    Assert.True((bytes[2] & 0x80) != 0, "only a 64-bit length with its top bit set is too large");
                    break;
            }
            var sequence = new FrameSequence(fromClient: true, maxMessageBytes: 1 << 20);
            if (status == FrameParseStatus.Complete) _ = sequence.Check(header);
        }, ciCases: 5_000);

    [Fact]
    public void Every_prefix_of_a_header_is_incomplete_and_the_whole_one_reads_back_exactly() =>
        PropertyRun.ForAll(AnyFrame, frame =>
        {
            var header = Header(frame);
            for (var cut = 0; cut < header.Length; cut++)
                Assert.Equal(FrameParseStatus.Incomplete, WebSocketFrameHeader.TryParse(header.AsSpan(0, cut), out _, out _));
            var withPayload = header.Concat(frame.Payload).ToArray();
            Assert.Equal(FrameParseStatus.Complete, WebSocketFrameHeader.TryParse(withPayload, out var parsed, out var consumed));
            Assert.Equal(header.Length, consumed);
            Assert.Equal((frame.Fin, frame.Reserved, frame.Opcode, frame.MaskKey is not null, frame.MaskKey ?? 0, (long)frame.Payload.Length),
                (parsed.Fin, parsed.Reserved, parsed.Opcode, parsed.Masked, parsed.MaskKey, parsed.PayloadLength));
        }, ciCases: 500);

    [Fact]
    public void A_stream_of_frames_split_at_any_points_reads_as_the_same_headers() =>
        PropertyRun.ForAll(Gen.Select(AnyFrame.Array[1, 6], Gen.Int[1, 97].Array[1, 40]), t =>
        {
            var (frames, cuts) = t;
            var stream = frames.SelectMany(f => Header(f).Concat(f.Payload)).ToArray();
            var expected = frames.Select(f => (f.Opcode, (long)f.Payload.Length)).ToList();
            Assert.Equal(expected, ReadInChunks(stream, [stream.Length]));
            Assert.Equal(expected, ReadInChunks(stream, cuts));
        }, ciCases: 300);

    /// <summary>A reader like the forwarder's: bytes arrive in chunks; a header is parsed once whole, its payload skipped.</summary>
    private static List<(byte Opcode, long Length)> ReadInChunks(byte[] stream, int[] chunkSizes)
    {
        var headers = new List<(byte, long)>();
        var pending = new List<byte>();
        long skip = 0;
        var at = 0;
        for (var i = 0; at < stream.Length; i++)
        {
            var size = Math.Min(chunkSizes[i % chunkSizes.Length], stream.Length - at);
            var chunk = stream.AsSpan(at, size);
            at += size;
            while (chunk.Length > 0)
            {
                if (skip > 0)
                {
                    var n = (int)Math.Min(skip, chunk.Length);
                    skip -= n;
                    chunk = chunk[n..];
                    continue;
                }
                var take = Math.Min(WebSocketFrameHeader.MaxLength - pending.Count, chunk.Length);
                pending.AddRange(chunk[..take].ToArray());
                chunk = chunk[take..];
                var status = WebSocketFrameHeader.TryParse(pending.ToArray(), out var header, out var consumed);
                if (status == FrameParseStatus.Incomplete) continue;
                Assert.Equal(FrameParseStatus.Complete, status);
                headers.Add((header.Opcode, header.PayloadLength));
                // Bytes taken past the header belong to the payload (or the next frame when the payload is short).
                var extra = pending.Skip(consumed).ToArray();
                pending.Clear();
                skip = header.PayloadLength;
                var fromExtra = (int)Math.Min(skip, extra.Length);
                skip -= fromExtra;
                var rest = extra[fromExtra..];
                if (rest.Length > 0)
                {
                    var merged = rest.Concat(chunk.ToArray()).ToArray();
                    chunk = merged;
                }
            }
        }
        Assert.Empty(pending);
        Assert.Equal(0, skip);
        return headers;
    }
}
