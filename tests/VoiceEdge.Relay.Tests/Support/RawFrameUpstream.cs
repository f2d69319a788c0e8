using System.Net;
using System.Net.Sockets;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A WebSocket upstream on a loopback listener with no WebSocket library: it answers the relay's handshake (101 with
/// the right accept, or what the test asks for) and hands the test a <see cref="RawPeer"/> to read and write exact frames.
/// </summary>
public sealed class RawFrameUpstream : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public RawFrameUpstream() => _listener.Start();

    public Uri ChatUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/chat");

    /// <summary>Extra response header lines (e.g. an extension the relay never offered).</summary>
    public string ExtraResponseHeaders { get; set; } = "";

    public async Task<RawPeer> AcceptAsync(int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var socket = await _listener.AcceptSocketAsync(timeout.Token);
        return await RawPeer.AcceptAsync(socket, head =>
        {
            var key = RawPeer.HeaderValue(head, "Sec-WebSocket-Key");
            return WebSocketHandshake.SwitchingProtocols(WebSocketHandshake.AcceptFor(key), ExtraResponseHeaders);
        });
    }

    public void Dispose() => _listener.Stop();
}
