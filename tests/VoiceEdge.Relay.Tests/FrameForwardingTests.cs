using System.Net.WebSockets;
using System.Text;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The frame forwarder at the byte level: a raw client and a raw upstream on loopback sockets around the real relay, so
/// the tests see exactly which bytes pass, including frames no WebSocket library would send.
/// </summary>
public class FrameForwardingTests
{
    private sealed record Call(RelayUnderTest Relay, RawPeer Client, RawPeer Upstream, RawFrameUpstream Listener) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Upstream.DisposeAsync();
            await Relay.DisposeAsync();
            Listener.Dispose();
        }
    }

    private static async Task<Call> OpenAsync(params (string Key, string Value)[] settings)
    {
        var listener = new RawFrameUpstream();
        var relay = await RelayUnderTest.StartAsync(listener.ChatUri, null, settings);
        var accepting = listener.AcceptAsync();
        var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        return new Call(relay, client, await accepting, listener);
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_fragmented_1_MiB_message_with_a_ping_between_fragments_passes_byte_for_byte_both_ways()
    {
        await using var call = await OpenAsync();
        var message = Random(1024 * 1024, 3);
        byte[] Fragments(bool mask) => RawFrames.Concat(
            RawFrames.Build(RawFrames.Binary, message.AsSpan(0, 262144), fin: false, mask: mask, seed: 1),
            RawFrames.Build(RawFrames.Ping, "between"u8, mask: mask, seed: 2),
            RawFrames.Build(RawFrames.Continuation, message.AsSpan(262144, 262144), fin: false, mask: mask, seed: 3),
            RawFrames.Build(RawFrames.Continuation, message.AsSpan(524288, 262144), fin: false, mask: mask, seed: 4),
            RawFrames.Build(RawFrames.Continuation, message.AsSpan(786432), mask: mask, seed: 5));

        var up = Fragments(mask: true);
        await call.Client.SendAsync(up);
        Assert.Equal(up, await call.Upstream.ReadBytesAsync(up.Length));

        var down = Fragments(mask: false);
        await call.Upstream.SendAsync(down);
        Assert.Equal(down, await call.Client.ReadBytesAsync(down.Length));
    }

    [Fact]
    public async Task Pings_between_fragments_are_answered_through_the_relay_by_a_real_upstream()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(upstream.ChatUri);
        await using var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]);
        var hello = await client.ReadFrameAsync();
        Assert.Contains("\"path\":\"/api/chat\"", Encoding.UTF8.GetString(hello.Payload), StringComparison.Ordinal);
        var message = Random(1024 * 1024, 5);
        await client.SendAsync(RawFrames.Concat(
            RawFrames.Build(RawFrames.Binary, message.AsSpan(0, 500_000), fin: false),
            RawFrames.Build(RawFrames.Ping, "are you there"u8),
            RawFrames.Build(RawFrames.Continuation, message.AsSpan(500_000))));

        var frames = new List<RawFrame>();
        while (frames.Where(f => f.Opcode != RawFrames.Pong).Sum(f => f.Payload.Length) < message.Length) frames.Add(await client.ReadFrameAsync());
        Assert.Contains(frames, f => f.Opcode == RawFrames.Pong && Encoding.ASCII.GetString(f.Payload) == "are you there");
        Assert.Equal(message, frames.Where(f => f.Opcode != RawFrames.Pong).SelectMany(f => f.Payload).ToArray());
        Assert.All(frames, f => Assert.False(f.Masked));
    }

    [Fact]
    public async Task A_close_in_the_middle_of_a_message_reaches_the_upstream_after_the_fragment_and_its_reply_comes_back()
    {
        await using var call = await OpenAsync();
        var sent = RawFrames.Concat(RawFrames.Build(RawFrames.Text, "half a mess"u8, fin: false), RawFrames.CloseFrame(4003, "gone mid-message"));
        await call.Client.SendAsync(sent);
        Assert.Equal(sent, await call.Upstream.ReadBytesAsync(sent.Length));
        await call.Upstream.SendAsync(RawFrames.CloseFrame(4003, "gone mid-message", mask: false));
        var close = await call.Client.ReadFrameAsync();
        Assert.Equal((4003, "gone mid-message"), (close.CloseCode, close.CloseReason));
        Assert.True(await call.Client.EndsAsync());
        await WaitForLogAsync(call.Relay, "closeCode=4003 closedBy=client");
    }

    [Fact]
    public async Task A_header_split_byte_by_byte_across_reads_is_reassembled_both_ways()
    {
        await using var call = await OpenAsync();
        var up = RawFrames.Build(RawFrames.Binary, Random(70_000, 9));
        await call.Client.SendByteByByteAsync(up, 14);
        Assert.Equal(up, await call.Upstream.ReadBytesAsync(up.Length));

        var down = RawFrames.Concat(RawFrames.Build(RawFrames.Text, Encoding.ASCII.GetBytes(new string('d', 300)), mask: false), RawFrames.CloseFrame(1000, "bye", mask: false));
        await call.Upstream.SendByteByByteAsync(down, down.Length);
        Assert.Equal(down, await call.Client.ReadBytesAsync(down.Length));
    }

    public static TheoryData<string, byte[], string> ClientViolations => new()
    {
        { "length 2^63", RawFrames.Build(RawFrames.Binary, [], lengthOverride: 1UL << 63), "frame length over 2^63" },
        { "rsv1", RawFrames.Build(RawFrames.Text, "compressed?"u8, reserved: 4), "reserved bits" },
        { "opcode 3", RawFrames.Build(3, "x"u8), "reserved opcode" },
        { "opcode 0xB", RawFrames.Build(0xB, "x"u8), "reserved opcode" },
        { "unmasked", RawFrames.Build(RawFrames.Text, "x"u8, mask: false), "masking" },
        { "ping of 126 bytes", RawFrames.Build(RawFrames.Ping, new byte[126]), "longer than 125" },
        { "fragmented ping", RawFrames.Build(RawFrames.Ping, "x"u8, fin: false), "fragmented control" },
        { "stray continuation", RawFrames.Build(RawFrames.Continuation, "x"u8), "continuation" },
        { "close code 1005", RawFrames.CloseFrame(1005, ""), "invalid close" },
    };

    [Theory]
    [MemberData(nameof(ClientViolations))]
    public async Task A_client_protocol_error_closes_the_client_1002_and_the_upstream_1011(string what, byte[] frame, string reason)
    {
        await using var call = await OpenAsync();
        var fine = RawFrames.Build(RawFrames.Text, "fine"u8);
        await call.Client.SendAsync(RawFrames.Concat(fine, frame));
        Assert.Equal(fine, await call.Upstream.ReadBytesAsync(fine.Length));
        var atUpstream = await call.Upstream.ReadFrameAsync();
        Assert.True((atUpstream.CloseCode, atUpstream.Masked) == (1011, true), what);
        Assert.Equal("client protocol error", atUpstream.CloseReason);
        var atClient = await call.Client.ReadFrameAsync();
        Assert.Equal(1002, atClient.CloseCode);
        Assert.Contains(reason, atClient.CloseReason, StringComparison.Ordinal);
        Assert.False(atClient.Masked);
    }

    [Theory]
    [InlineData("length 2^63")]
    [InlineData("masked")]
    [InlineData("rsv2")]
    public async Task An_upstream_protocol_error_closes_the_upstream_1002_and_the_client_1011(string what)
    {
        await using var call = await OpenAsync();
        var frame = what switch
        {
            "length 2^63" => RawFrames.Build(RawFrames.Binary, [], mask: false, lengthOverride: 1UL << 63),
            "masked" => RawFrames.Build(RawFrames.Text, "x"u8, mask: true),
            _ => RawFrames.Build(RawFrames.Text, "x"u8, mask: false, reserved: 2),
        };
        await call.Upstream.SendAsync(frame);
        var atClient = await call.Client.ReadFrameAsync();
        Assert.Equal((1011, "voice backend protocol error"), (atClient.CloseCode, atClient.CloseReason));
        Assert.Equal(1002, (await call.Upstream.ReadFrameAsync()).CloseCode);
    }

    [Fact]
    public async Task A_message_over_the_limit_across_fragments_is_refused_1009_at_the_header_that_passes_it()
    {
        await using var call = await OpenAsync(("MaxMessageBytes", "2048"));
        var first = RawFrames.Build(RawFrames.Binary, new byte[1500], fin: false);
        await call.Client.SendAsync(RawFrames.Concat(first, RawFrames.Build(RawFrames.Continuation, new byte[600])));
        Assert.Equal(first, await call.Upstream.ReadBytesAsync(first.Length));
        var atUpstream = await call.Upstream.ReadFrameAsync();
        Assert.Equal((1009, true), (atUpstream.CloseCode, atUpstream.Masked));
        var atClient = await call.Client.ReadFrameAsync();
        Assert.Equal(1009, atClient.CloseCode);
        Assert.Contains("larger than 2048", atClient.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vanished_client_is_reported_to_the_upstream_1011()
    {
        await using var call = await OpenAsync();
        call.Client.Vanish();
        var close = await call.Upstream.ReadFrameAsync();
        Assert.Equal((1011, "client connection lost"), (close.CloseCode, close.CloseReason));
        await WaitForLogAsync(call.Relay, "closeCode=1006 closedBy=client");
    }

    [Fact]
    public async Task A_vanished_upstream_is_reported_to_the_client_1011()
    {
        await using var call = await OpenAsync();
        call.Upstream.Vanish();
        var close = await call.Client.ReadFrameAsync();
        Assert.Equal((1011, "voice backend connection lost"), (close.CloseCode, close.CloseReason));
    }

    [Fact]
    public async Task Permessage_deflate_is_refused_on_both_legs()
    {
        var listener = new RawFrameUpstream();
        await using var relay = await RelayUnderTest.StartAsync(listener.ChatUri);
        var accepting = listener.AcceptAsync();
        await using (var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat",
            [("X-Voice-Edge-Auth", relay.ValidToken()), ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")]))
        {
            await using var upstream = await accepting;
            Assert.Equal("", RawPeer.HeaderValue(client.Head, "Sec-WebSocket-Extensions"));
            Assert.Equal("", RawPeer.HeaderValue(upstream.Head, "Sec-WebSocket-Extensions"));
        }

        listener.ExtraResponseHeaders = "Sec-WebSocket-Extensions: permessage-deflate\r\n";
        accepting = listener.AcceptAsync();
        await using (var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]))
        {
            await using var upstream = await accepting;
            var close = await client.ReadFrameAsync();
            Assert.Equal((1011, "voice backend unavailable"), (close.CloseCode, close.CloseReason));
        }
        listener.Dispose();
    }

    [Fact]
    public async Task An_idle_close_waits_for_the_end_of_the_frame_in_progress_toward_the_upstream()
    {
        await using var call = await OpenAsync(("IdleTimeoutSeconds", "1"));
        var frame = RawFrames.Build(RawFrames.Binary, Random(1000, 4));
        await call.Client.SendAsync(frame[..20]);
        Assert.Equal(frame[..20], await call.Upstream.ReadBytesAsync(20));
        var atClient = await call.Client.ReadFrameAsync();
        Assert.Equal((1001, "idle timeout"), (atClient.CloseCode, atClient.CloseReason));
        await call.Client.SendAsync(frame[20..]);
        Assert.Equal(frame[20..], await call.Upstream.ReadBytesAsync(frame.Length - 20));
        var atUpstream = await call.Upstream.ReadFrameAsync();
        Assert.Equal((1001, "idle timeout", true), (atUpstream.CloseCode, atUpstream.CloseReason, atUpstream.Masked));
    }

    [Fact]
    public async Task Keep_alive_pings_go_both_ways_and_the_answers_pass_through()
    {
        await using var call = await OpenAsync(("KeepAliveSeconds", "1"));
        var toClient = await call.Client.ReadFrameAsync();
        Assert.Equal((RawFrames.Ping, false), (toClient.Opcode, toClient.Masked));
        var toUpstream = await call.Upstream.ReadFrameAsync();
        Assert.Equal((RawFrames.Ping, true), (toUpstream.Opcode, toUpstream.Masked));
        var pong = RawFrames.Build(RawFrames.Pong, toClient.Payload);
        await call.Client.SendAsync(pong);
        RawFrame seen;
        do seen = await call.Upstream.ReadFrameAsync(); while (seen.Opcode == RawFrames.Ping);
        Assert.Equal((RawFrames.Pong, "voice-edge-relay"), (seen.Opcode, Encoding.ASCII.GetString(seen.Payload)));
    }

    [Fact]
    public async Task A_config_still_naming_the_removed_pump_relays_on_the_forwarder_byte_for_byte()
    {
        await using var call = await OpenAsync(("Forwarder", "WebSocket"));
        var frame = RawFrames.Build(RawFrames.Text, "hello"u8, seed: 77);
        await call.Client.SendAsync(frame);
        Assert.Equal(frame, await call.Upstream.ReadBytesAsync(frame.Length)); // same mask key: nothing re-framed
    }

    private static async Task WaitForLogAsync(RelayUnderTest relay, string fragment)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!relay.Logs.Any(l => l.Contains(fragment, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log line with '{fragment}' within 30 s: {string.Join(" | ", relay.Logs.Where(l => l.Contains("call ended", StringComparison.Ordinal)))}");
            await Task.Delay(20);
        }
    }
}
