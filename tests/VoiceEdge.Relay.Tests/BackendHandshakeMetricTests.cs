using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// <c>voice_edge_backend_handshake_seconds{backend}</c> on the frame forwarder, byte by byte with a raw pooled backend:
/// only the first data frame is looked at, its first payload byte decides (0x00 = PersonaPlex's handshake), and that
/// byte may come in a later read than the frame's header. Each metric read follows the relay passing the byte on, and
/// the relay counts before it passes it on.
/// </summary>
public class BackendHandshakeMetricTests
{
    private const string Count = "voice_edge_backend_handshake_seconds_count";

    private static async Task<(RelayUnderTest Relay, RawPeer Client, RawPeer Backend, RawFrameUpstream Listener, string Label)> OpenAsync()
    {
        var listener = new RawFrameUpstream();
        var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, ("Backends:0:Url", listener.ChatUri.ToString()),
            ("Backends:0:DefaultQuery:text_prompt", "Hi")); // a backend at /api/chat is PersonaPlex, which needs one
        var accepting = listener.AcceptAsync();
        var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        return (relay, client, await accepting, listener, $"backend=\"{listener.ChatUri}\"");
    }

    [Fact]
    public async Task A_0x00_first_byte_arriving_after_its_frame_header_is_counted_once()
    {
        var (relay, client, backend, listener, label) = await OpenAsync();
        await using (relay)
        await using (client)
        await using (backend)
        using (listener)
        {
            var handshake = RawFrames.Build(RawFrames.Binary, [0x00], mask: false);
            // The header alone: the relay passes it on, so it has read it and waits for the payload.
            await backend.SendAsync(handshake[..2]);
            Assert.Equal(handshake[..2], await client.ReadBytesAsync(2));
            Assert.Equal(0, await relay.MetricAsync(Count, label));

            await backend.SendAsync(handshake[2..]);
            Assert.Equal(handshake[2..], await client.ReadBytesAsync(1));
            Assert.Equal(1, await relay.MetricAsync(Count, label));

            // Later 0x00 messages are not handshakes.
            await backend.SendAsync(handshake);
            Assert.Equal(handshake, await client.ReadBytesAsync(handshake.Length));
            Assert.Equal(1, await relay.MetricAsync(Count, label));
        }
    }

    [Theory]
    [InlineData(RawFrames.Binary, 0x01)]
    [InlineData(RawFrames.Text, 0x00)]
    public async Task A_first_message_that_is_not_a_0x00_binary_one_counts_nothing_and_ends_the_watch(byte opcode, byte first)
    {
        var (relay, client, backend, listener, label) = await OpenAsync();
        await using (relay)
        await using (client)
        await using (backend)
        using (listener)
        {
            var other = RawFrames.Build(opcode, [first, 0x41], mask: false);
            var handshake = RawFrames.Build(RawFrames.Binary, [0x00], mask: false);
            await backend.SendAsync(RawFrames.Concat(other, handshake));
            Assert.Equal(RawFrames.Concat(other, handshake), await client.ReadBytesAsync(other.Length + handshake.Length));
            Assert.Equal(0, await relay.MetricAsync(Count, label));
        }
    }
}
