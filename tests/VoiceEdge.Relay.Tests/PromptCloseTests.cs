using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceEdge.Relay.Relaying.Forwarding;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// Closes as prompt as nginx's (issue 26). The relay's clock is frozen, so no timeout can end a connection unless the
/// test moves the clock: a connection the relay fails (a protocol violation, an oversized frame header) must see the
/// relay's close frame and then TCP's end at once (RFC 6455 7.1.7), with neither peer answering; a forwarded close
/// that is never answered ends the call once <see cref="ForwardedCall.CloseAnswerTimeout"/> has passed, where it took
/// 5 s before (and the violation 2 s of lingering more).
/// </summary>
public class PromptCloseTests
{
    private sealed record Call(RelayUnderTest Relay, RawPeer Client, RawPeer Upstream, RawFrameUpstream Listener, FakeTimeProvider Clock) : IAsyncDisposable
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
        var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var relay = await RelayUnderTest.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(frozen), listener.ChatUri, null, settings);
        var accepting = listener.AcceptAsync();
        var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken())]);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        return new Call(relay, client, await accepting, listener, frozen);
    }

    [Fact]
    public async Task A_client_violation_gets_the_1002_close_and_then_the_tcp_close_at_once()
    {
        await using var call = await OpenAsync();
        await call.Client.SendAsync(RawFrames.Build(RawFrames.Text, "compressed?"u8, reserved: 4));
        Assert.Equal(1002, (await call.Client.ReadFrameAsync()).CloseCode);
        // The client does not answer and the upstream does not answer its 1011: only the rule can end the connection.
        Assert.True(await call.Client.EndsAsync(timeoutSeconds: 4), "the relay kept the TCP connection after failing it");
        Assert.Equal(1011, (await call.Upstream.ReadFrameAsync()).CloseCode);
    }

    [Fact]
    public async Task An_oversized_frame_header_gets_the_1009_close_and_then_the_tcp_close_at_once()
    {
        await using var call = await OpenAsync(("MaxMessageBytes", "1024"));
        // A header announcing more than the limit, and none of its payload: the client's own close could only follow it.
        await call.Client.SendAsync(RawFrames.Build(RawFrames.Binary, [], lengthOverride: 64 * 1024));
        Assert.Equal(1009, (await call.Client.ReadFrameAsync()).CloseCode);
        Assert.True(await call.Client.EndsAsync(timeoutSeconds: 4), "the relay kept the TCP connection after refusing the header");
        Assert.Equal(1009, (await call.Upstream.ReadFrameAsync()).CloseCode);
    }

    [Fact]
    public async Task A_forwarded_close_that_is_never_answered_ends_the_call_after_the_brief_answer_timeout()
    {
        await using var call = await OpenAsync();
        var close = RawFrames.CloseFrame(1000, "bye");
        await call.Client.SendAsync(close);
        Assert.Equal(close, await call.Upstream.ReadBytesAsync(close.Length));
        // The relay starts its wait right after forwarding: a step of the clock taken before that is lost to it, so the
        // clock moves by the timeout up to three times (3 s in all, under the old 5 s), each given a second to act on.
        var ended = false;
        for (var i = 0; i < 3 && !ended; i++)
        {
            call.Clock.Advance(ForwardedCall.CloseAnswerTimeout);
            ended = await call.Upstream.EndsAsync(timeoutSeconds: 1);
        }
        Assert.True(ended, "the upstream connection outlived the close answer timeout");
        Assert.True(await call.Client.EndsAsync(timeoutSeconds: 4));
        Assert.True(ForwardedCall.CloseAnswerTimeout <= TimeSpan.FromSeconds(1));
    }
}
