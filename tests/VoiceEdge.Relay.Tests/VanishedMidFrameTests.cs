using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// A side that vanishes in the middle of a frame leaves the other leg mid-frame, where no close frame can go: the relay
/// closes that connection at once (RFC 6455 7.1.7, as nginx does) instead of holding the call slot for the 5 s close
/// handshake timeout. The relay's clock is frozen, so no timeout can end the call: only the rule can.
/// </summary>
public class VanishedMidFrameTests
{
    [Theory]
    [InlineData("Epoll")]
    [InlineData("Sockets")]
    public async Task A_client_that_vanishes_mid_frame_ends_the_upstream_connection_at_once(string transport)
    {
        using var listener = new RawFrameUpstream();
        var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var relay = await RelayUnderTest.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(frozen), listener.ChatUri, null,
            ("Transport", transport));
        var accepting = listener.AcceptAsync();
        await using var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        await using var upstream = await accepting;
        var frame = RawFrames.Build(RawFrames.Binary, new byte[10_000]);
        await client.SendAsync(frame[..(frame.Length / 2)]);
        Assert.Equal(frame[..100], await upstream.ReadBytesAsync(100)); // the frame is under way upstream
        client.Vanish();
        // Under the old 5 s close timeout (which the frozen clock would never let fire anyway).
        Assert.True(await upstream.EndsAsync(timeoutSeconds: 4), "the upstream connection stayed open, mid-frame, after the client vanished");
        for (var i = 0; i < 200 && await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\"") > 0; i++) await Task.Delay(20);
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_connections_open", "route=\"chat\""));
    }
}
