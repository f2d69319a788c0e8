using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class OggPageTests
{
    [Fact]
    public void Crc_is_the_unreflected_0x04C11DB7_crc_with_zero_init()
    {
        // CRC-32/POSIX (same polynomial, init 0) checks "123456789" as 0x765E7680 after its final XOR with 0xFFFFFFFF;
        // Ogg has no final XOR, so its value is the complement.
        Assert.Equal(~0x765E7680u, OggCrc.Compute("123456789"u8));
        Assert.Equal(0u, OggCrc.Compute([]));
    }

    [Theory]
    [InlineData(new[] { 0 }, new byte[] { 0 })]
    [InlineData(new[] { 254 }, new byte[] { 254 })]
    [InlineData(new[] { 255 }, new byte[] { 255, 0 })]
    [InlineData(new[] { 256, 3 }, new byte[] { 255, 1, 3 })]
    [InlineData(new[] { 510 }, new byte[] { 255, 255, 0 })]
    public void Lacing_splits_packets_into_255_byte_segments(int[] lengths, byte[] lacing) =>
        Assert.Equal(lacing, OggPage.LacingFor(lengths));

    [Fact]
    public void Lacing_refuses_more_than_255_segments() =>
        Assert.Throws<ArgumentException>(() => OggPage.LacingFor([255 * 255]));

    [Fact]
    public void A_page_round_trips_with_its_header_fields()
    {
        var page = OggPage.ForPackets(OggHeaderType.BeginOfStream, 0x0102030405, 0xCAFEBABE, 7, [[1, 2, 3], new byte[300]]);
        var bytes = page.ToBytes();
        Assert.Equal("OggS"u8.ToArray(), bytes[..4]);
        Assert.Equal(0, bytes[4]);
        Assert.Equal(2, bytes[5]);
        Assert.Equal(3, bytes[26]);
        var parsed = OggPage.TryParse(bytes, out var consumed);
        Assert.Equal(bytes.Length, consumed);
        Assert.NotNull(parsed);
        Assert.Equal((page.Flags, page.GranulePosition, page.Serial, page.Sequence), (parsed.Flags, parsed.GranulePosition, parsed.Serial, parsed.Sequence));
        Assert.Equal(page.Lacing, parsed.Lacing);
        Assert.Equal(page.Body, parsed.Body);
    }

    [Fact]
    public void A_flipped_bit_fails_the_crc_and_a_wrong_capture_pattern_is_named()
    {
        var bytes = OggPage.ForPackets(OggHeaderType.None, 0, 1, 0, [[9, 9, 9]]).ToBytes();
        bytes[^1] ^= 0x10;
        Assert.Contains("CRC mismatch", Assert.Throws<InvalidDataException>(() => OggPage.TryParse(bytes, out _)).Message);
        Assert.Contains("capture pattern", Assert.Throws<InvalidDataException>(() => OggPage.TryParse("OggX1234"u8, out _)).Message);
    }

    [Fact]
    public void A_partial_page_asks_for_more_bytes()
    {
        var bytes = OggPage.ForPackets(OggHeaderType.None, 0, 1, 0, [[9, 9, 9]]).ToBytes();
        for (var n = 0; n < bytes.Length; n++) Assert.Null(OggPage.TryParse(bytes.AsSpan(0, n), out _));
    }

    [Fact]
    public void The_reader_reassembles_a_packet_continued_over_pages_fed_byte_by_byte()
    {
        var packet = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        // Page 1: first 510 bytes (lacing 255,255: packet not finished); page 2: continued, the last 90 bytes.
        var first = new OggPage(OggHeaderType.BeginOfStream, -1, 5, 0, [255, 255], packet[..510]).ToBytes();
        var second = new OggPage(OggHeaderType.Continued, 100, 5, 1, [90, 2], [.. packet[510..], 7, 8]).ToBytes();
        var reader = new OggPacketReader();
        var packets = new List<byte[]>();
        foreach (var b in first.Concat(second)) packets.AddRange(reader.Push([b]));
        Assert.Equal(2, packets.Count);
        Assert.Equal(packet, packets[0]);
        Assert.Equal(new byte[] { 7, 8 }, packets[1]);
    }

    [Fact]
    public void After_a_lost_page_the_reader_drops_the_broken_packet_and_goes_on()
    {
        var first = new OggPage(OggHeaderType.BeginOfStream, -1, 5, 0, [255], new byte[255]).ToBytes();
        // Sequence 2: page 1 was lost; its continuation is skipped, the next whole packet is kept.
        var third = new OggPage(OggHeaderType.Continued, 0, 5, 2, [10, 3], [.. new byte[10], 1, 2, 3]).ToBytes();
        var packets = new OggPacketReader().Push([.. first, .. third]);
        Assert.Equal([new byte[] { 1, 2, 3 }], packets);
    }

    [Fact]
    public void The_reader_refuses_a_stream_without_a_first_page_or_with_a_second_serial()
    {
        var notFirst = OggPage.ForPackets(OggHeaderType.None, 0, 5, 0, [[1]]).ToBytes();
        Assert.Contains("beginning-of-stream", Assert.Throws<InvalidDataException>(() => new OggPacketReader().Push(notFirst)).Message);
        var reader = new OggPacketReader();
        reader.Push(OggPage.ForPackets(OggHeaderType.BeginOfStream, 0, 5, 0, [[1]]).ToBytes());
        Assert.Contains("second logical stream", Assert.Throws<InvalidDataException>(() => reader.Push(OggPage.ForPackets(OggHeaderType.None, 0, 6, 1, [[1]]).ToBytes())).Message);
    }

    [Fact]
    public void The_reader_refuses_garbage_instead_of_buffering_it()
    {
        var reader = new OggPacketReader();
        Assert.Throws<InvalidDataException>(() => reader.Push("this is not ogg at all"u8));
    }
}
