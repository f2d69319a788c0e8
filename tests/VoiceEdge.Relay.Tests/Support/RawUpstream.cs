using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A voice backend written by hand on a loopback TCP socket, for what a well-behaved server library never
/// sends: each connection gets the next scripted answer (a handshake reply, then any bytes, then a FIN or a reset).
/// </summary>
public sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Func<string, Script> _next = _ => new Script(Reply.Accept, [], false);

    /// <summary>How to answer the handshake: a correct 101, a 101 with a wrong accept key, an HTTP error, or bytes that are not HTTP.</summary>
    public enum Reply { Accept, WrongAcceptKey, Status500, Garbage }

    public sealed record Script(Reply Reply, byte[] After, bool Reset);

    public RawUpstream()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri ChatUri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/api/chat");

    /// <summary>Sets how the next connections are answered (given the request head).</summary>
    public void Answer(Func<string, Script> next) => _next = next;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream, guard.Token);
            var script = _next(head);
            var key = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim() ?? "";
            var reply = script.Reply switch
            {
                Reply.Accept => WebSocketHandshake.SwitchingProtocols(WebSocketHandshake.AcceptFor(key)),
                Reply.WrongAcceptKey => WebSocketHandshake.SwitchingProtocols(WebSocketHandshake.AcceptFor("other")),
                Reply.Status500 => "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
                _ => "",
            };
            await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), guard.Token);
            await stream.WriteAsync(script.After, guard.Token);
            if (script.Reset) client.Client.LingerState = new LingerOption(true, 0);
            else client.Client.Shutdown(SocketShutdown.Send);
            // Drain what the relay sends until it closes, so a FIN is not turned into a reset by unread data.
            var sink = new byte[4096];
            while (!script.Reset && await stream.ReadAsync(sink, guard.Token) > 0) { }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16 * 1024 && await stream.ReadAsync(one, ct) > 0)
        {
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
        }
        return Encoding.Latin1.GetString(head.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
