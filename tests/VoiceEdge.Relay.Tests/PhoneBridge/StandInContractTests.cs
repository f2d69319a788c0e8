using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.PhoneBridge;
using VoiceEdge.TestSupport;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>The stand-in keeps the real PersonaPlex server's contract where the relay depends on it (docs/architecture.md).</summary>
public class StandInContractTests
{
    private static Uri Chat(StandInPersonaPlex model, string query) => new($"ws://127.0.0.1:{model.BaseUri.Port}/api/chat?{query}");

    [Theory]
    [InlineData("voice_prompt=NOPE.pt&text_prompt=Hi", "FileNotFoundError")]
    [InlineData("text_prompt=Hi", "KeyError: 'voice_prompt'")]
    [InlineData("voice_prompt=NATF2.pt", "KeyError: 'text_prompt'")]
    [InlineData("voice_prompt=NATF2.pt&text_prompt=Hi&seed=1", "KeyError: 'seed'")]
    public async Task A_bad_query_is_upgraded_and_then_dropped_without_a_close_frame(string query, string why)
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(Chat(model, query), CancellationToken.None); // 101
        var e = await Assert.ThrowsAsync<WebSocketException>(async () => await ws.ReceiveAsync(new byte[16], CancellationToken.None));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, e.WebSocketErrorCode);
        Assert.StartsWith(why, Assert.Single(model.Drops), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_before_the_handshake_are_discarded_and_audio_comes_as_sphn_pages()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        // Discarding is by time, as in the real server: the message must be read off the socket before the prompts end.
        // 3 s leaves room for a loaded runner's thread pool (500 ms missed it once in CI).
        model.HandshakeDelay = TimeSpan.FromSeconds(3);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(model.ChatUri, CancellationToken.None);
        // Not an Ogg stream: had it been kept, the conversation would end (1000) on it.
        await ws.SendAsync((byte[])[0x01, .. "garbage before the handshake"u8], WebSocketMessageType.Binary, true, CancellationToken.None);
        var buffer = new byte[1 << 16];
        Assert.Equal(0x00, buffer[(await ws.ReceiveIntoAsync(buffer)).Length - 1]);
        Assert.Equal(1, model.DiscardedBeforeHandshake);

        using var caller = new CallerToModel(OpusCodecs.CreateEncoder(), 7);
        var pages = new List<byte[]>();
        caller.Push(new byte[160 * 50], pages); // 1 s of mu-law
        foreach (var page in pages) await ws.SendAsync(PersonaPlexMessage.Audio(page), WebSocketMessageType.Binary, true, CancellationToken.None);

        var audio = new List<byte[]>();
        while (audio.Count < 4)
        {
            var (length, _) = await ws.ReceiveIntoAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (buffer[0] == 0x01) audio.Add(buffer[1..length]);
        }
        var head = OggPage.TryParse(audio[0], out var headLength)!;
        Assert.Equal(audio[0].Length, headLength); // the OpusHead page alone in its message
        Assert.Equal((StandInPersonaPlex.OggSerial, OggHeaderType.BeginOfStream), (head.Serial, head.Flags));
        Assert.Equal(StandInPersonaPlex.PreSkip, OpusHead.Parse(head.Body).PreSkip);
        var tags = OggPage.TryParse(audio[1], out var tagsLength)!;
        Assert.Equal((audio[1].Length, 1u), (tagsLength, tags.Sequence));
        var first = OggPage.TryParse(audio[2], out _)!;
        var second = OggPage.TryParse(audio[3], out _)!;
        Assert.Equal(StandInPersonaPlex.OutputFrameSamples, (int)(second.GranulePosition - first.GranulePosition)); // 80 ms a page
        Assert.Equal(1, model.Conversations);
    }

    [Fact]
    public async Task A_caller_stream_without_a_beginning_of_stream_page_is_closed_1000()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(model.ChatUri, CancellationToken.None);
        var buffer = new byte[1 << 16];
        await ws.ReceiveIntoAsync(buffer); // 0x00
        var page = OggPage.ForPackets(OggHeaderType.None, 960, 5, 3, [new byte[] { 0xF8, 0xFF, 0xFE }]).ToBytes();
        await ws.SendAsync(PersonaPlexMessage.Audio(page), WebSocketMessageType.Binary, true, CancellationToken.None);
        while ((await ws.ReceiveIntoAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Type != WebSocketMessageType.Close) { }
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
        Assert.Single(model.RejectedStreams);
    }
}
