using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// A bug inside forwarding (an exception that is not a transport failure) is logged once, at Error, with the call's
/// session, and the call ends as the relay's error (1011 "relay error" both ways, closedBy=relay reason=relay-error),
/// never as the client or the backend leaving. The bug is injected in the client's stream: on Kestrel's socket
/// transport (no take-over) the forwarder reads and writes the stream the upgrade feature returns, which a startup
/// filter wraps. Before issue 26, an InvalidOperationException read as "client connection lost" and nothing was logged.
/// </summary>
public class RelayErrorTests
{
    [Theory]
    [InlineData("read", "InvalidOperationException")]
    [InlineData("write", "NullReferenceException")]
    public async Task A_programming_error_in_forwarding_is_logged_with_the_session_and_never_reported_as_the_client_leaving(string where, string type)
    {
        Exception Bug() => type == "InvalidOperationException" ? new InvalidOperationException("injected bug") : RealNullReference();
        using var listener = new RawFrameUpstream();
        await using var relay = await RelayUnderTest.StartWithAsync(
            b => b.Services.AddSingleton<IStartupFilter>(new FaultyUpgradeFilter(where == "read" ? Bug : null, where == "write" ? Bug : null)),
            listener.ChatUri, null, ("Transport", "Sockets"));
        var accepting = listener.AcceptAsync();
        await using var client = await RawPeer.ConnectAsync(relay.BaseUri, "/api/chat", [("X-Voice-Edge-Auth", relay.ValidToken("sess-bug"))]);
        Assert.StartsWith("HTTP/1.1 101", client.Head, StringComparison.Ordinal);
        await using var upstream = await accepting;
        if (where == "write") await upstream.SendAsync(RawFrames.Build(RawFrames.Text, "to the client"u8, mask: false));

        var atUpstream = await upstream.ReadFrameAsync();
        Assert.Equal((1011, "relay error"), (atUpstream.CloseCode, atUpstream.CloseReason));
        var ended = await WaitForAsync(relay, "call ended chat session=sess-bug");
        Assert.Contains("closedBy=relay reason=relay-error", ended, StringComparison.Ordinal);
        Assert.Contains("closeCode=1011", ended, StringComparison.Ordinal);
        var error = Assert.Single(relay.Errors);
        Assert.StartsWith("Error VoiceEdge.Relay.Relaying.Forwarding.ForwardingSession: relay error ended call chat session=sess-bug", error, StringComparison.Ordinal);
        Assert.Contains(type, error, StringComparison.Ordinal);
        Assert.Equal(0, await relay.MetricAsync("voice_edge_relay_closes_total", "route=\"chat\",side=\"client\",code=\"1006\""));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_relay_closes_total", "route=\"chat\",side=\"relay\",code=\"1011\""));
    }

    /// <summary>A NullReferenceException the runtime threw, as a bug would.</summary>
    private static Exception RealNullReference()
    {
        try
        {
            string? missing = null;
            return new InvalidDataException(missing!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (NullReferenceException e)
        {
            return e;
        }
    }

    private static async Task<string> WaitForAsync(RelayUnderTest relay, string fragment)
    {
        for (var i = 0; i < 1500; i++)
        {
            if (relay.Logs.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } line) return line;
            await Task.Delay(20);
        }
        Assert.Fail($"no log line with '{fragment}'");
        return "";
    }

    /// <summary>Wraps each request's upgrade feature so the upgraded stream throws the injected bug on read or write.</summary>
    private sealed class FaultyUpgradeFilter(Func<Exception>? onRead, Func<Exception>? onWrite) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Features.Get<IHttpUpgradeFeature>() is { } upgrade)
                    context.Features.Set<IHttpUpgradeFeature>(new FaultyUpgrade(upgrade, onRead, onWrite));
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class FaultyUpgrade(IHttpUpgradeFeature inner, Func<Exception>? onRead, Func<Exception>? onWrite) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => new FaultyStream(await inner.UpgradeAsync(), onRead, onWrite);
    }

    private sealed class FaultyStream(Stream inner, Func<Exception>? onRead, Func<Exception>? onWrite) : Stream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            onRead is null ? inner.ReadAsync(buffer, cancellationToken) : throw onRead();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            onWrite is null ? inner.WriteAsync(buffer, cancellationToken) : throw onWrite();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
