using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class OpusHeaderTests
{
    [Fact]
    public void OpusHead_has_the_rfc_7845_layout()
    {
        var bytes = new OpusHead(1, 312, 24000, -256).ToBytes();
        Assert.Equal(19, bytes.Length);
        Assert.Equal(
            [.. "OpusHead"u8, 1, 1, 0x38, 0x01, 0xC0, 0x5D, 0x00, 0x00, 0x00, 0xFF, 0],
            bytes);
        Assert.Equal(new OpusHead(1, 312, 24000, -256), OpusHead.Parse(bytes));
    }

    [Theory]
    [InlineData(8, 0x10, "version 16")]
    [InlineData(9, 0, "0 channels")]
    [InlineData(9, 3, "3 channels")]
    [InlineData(18, 1, "mapping family 1")]
    [InlineData(0, (byte)'X', "not an OpusHead")]
    public void OpusHead_refusals_say_what_is_wrong(int offset, byte value, string message)
    {
        var bytes = new OpusHead(1, 312, 24000).ToBytes();
        bytes[offset] = value;
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => OpusHead.Parse(bytes)).Message);
    }

    [Fact]
    public void OpusTags_round_trip_utf8_vendor_and_comments()
    {
        var tags = new OpusTags("voice-edge é", ["TITLE=call", "NOTE=ü"]);
        var bytes = tags.ToBytes();
        Assert.Equal("OpusTags"u8.ToArray(), bytes[..8]);
        Assert.Equal(13, BitConverter.ToInt32(bytes, 8)); // "voice-edge é" is 12 characters, 13 bytes of UTF-8
        var parsed = OpusTags.Parse(bytes);
        Assert.Equal(tags.Vendor, parsed.Vendor);
        Assert.Equal(tags.Comments, parsed.Comments);
    }

    [Fact]
    public void OpusTags_with_a_length_past_the_end_is_refused()
    {
        var bytes = new OpusTags("v", ["A=b"]).ToBytes();
        Assert.Throws<InvalidDataException>(() => OpusTags.Parse(bytes.AsSpan(0, bytes.Length - 1)));
        bytes[8] = 0xFF;
        Assert.Throws<InvalidDataException>(() => OpusTags.Parse(bytes));
    }
}
