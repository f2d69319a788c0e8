using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// One end of a relayed call that sends numbered binary messages whose every byte is a function of (call, direction,
/// message, position), and checks what it receives the same way: a stale, repeated, reordered or foreign byte shows.
/// Runs over a plain loopback socket with a small receive buffer, so a slow reader pushes back on the relay.
/// </summary>
public sealed class PatternPeer : IAsyncDisposable
{
    public const int ReceiveBufferBytes = 32 * 1024;

    private readonly Socket _socket;
    private readonly WebSocket _ws;

    private PatternPeer(Socket socket, Stream stream, bool isServer)
    {
        _socket = socket;
        _ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = isServer, KeepAliveInterval = TimeSpan.Zero });
    }

    public static byte At(int call, bool fromClient, int message, int position) =>
        (byte)(call * 131 + (fromClient ? 17 : 71) + message * 29 + position * 7 + (position >> 8) * 13);

    /// <summary>The length of message <paramref name="message"/> of a call's direction: 4 to 48 KiB, varying.</summary>
    public static int LengthOf(int call, bool fromClient, int message) => 4 + (call * 7919 + message * 104729 + (fromClient ? 1 : 0)) % (48 * 1024);

    /// <summary>A client of the relay at <paramref name="relay"/>: the upgrade with <paramref name="headers"/>, the 101 checked.</summary>
    public static async Task<PatternPeer> ConnectAsync(Uri relay, string pathAndQuery, IEnumerable<(string Name, string Value)> headers)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = ReceiveBufferBytes };
        await socket.ConnectAsync(IPAddress.Loopback, relay.Port);
        var stream = new NetworkStream(socket, ownsSocket: true);
        var request = new StringBuilder($"GET {pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{relay.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").Append(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))).Append("\r\n");
        foreach (var (name, value) in headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        var head = await ReadHeadAsync(stream);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)) throw new InvalidOperationException($"the relay answered {head.Split("\r\n")[0]}");
        return new PatternPeer(socket, stream, isServer: false);
    }

    /// <summary>The upstream's side of a call the relay opened to <paramref name="listener"/>.</summary>
    public static async Task<PatternPeer> AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        var socket = await listener.AcceptSocketAsync(ct);
        socket.NoDelay = true;
        socket.ReceiveBufferSize = ReceiveBufferBytes;
        var stream = new NetworkStream(socket, ownsSocket: true);
        var head = await ReadHeadAsync(stream);
        var key = head.Split("\r\n").Select(l => l.Split(':', 2)).First(p => p[0].Trim().Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))[1].Trim();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(WebSocketHandshake.SwitchingProtocols(WebSocketHandshake.AcceptFor(key))), ct);
        return new PatternPeer(socket, stream, isServer: true);
    }

    /// <summary>The call number the client put in its first message's header (the upstream learns which call it has).</summary>
    public async Task<int> ReadCallIdAsync(CancellationToken ct)
    {
        var id = new byte[4];
        var result = await _ws.ReceiveAsync(id, ct);
        if (result.Count != 4 || !result.EndOfMessage) throw new InvalidDataException("the first message must be the 4-byte call id");
        return BinaryPrimitives.ReadInt32BigEndian(id);
    }

    public Task SendCallIdAsync(int call, CancellationToken ct)
    {
        var id = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(id, call);
        return _ws.SendAsync(id, WebSocketMessageType.Binary, true, ct);
    }

    /// <summary>Sends <paramref name="count"/> messages of the direction, from one reused buffer.</summary>
    public async Task SendPatternAsync(int call, bool fromClient, int count, CancellationToken ct)
    {
        var buffer = new byte[48 * 1024 + 8];
        for (var m = 0; m < count; m++)
        {
            var length = LengthOf(call, fromClient, m);
            for (var i = 0; i < length; i++) buffer[i] = At(call, fromClient, m, i);
            await _ws.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Binary, true, ct);
        }
    }

    /// <summary>Receives <paramref name="count"/> messages of the direction slowly (a pause every few reads) and checks
    /// every byte; returns a description of the first difference, or null.</summary>
    public async Task<string?> ReceiveAndCheckAsync(int call, bool fromClient, int count, CancellationToken ct)
    {
        var buffer = new byte[2048];
        for (var m = 0; m < count; m++)
        {
            var expected = LengthOf(call, fromClient, m);
            var position = 0;
            for (var reads = 0; ; reads++)
            {
                var result = await _ws.ReceiveAsync(buffer.AsMemory(), ct);
                if (result.MessageType == WebSocketMessageType.Close) return $"call {call}: closed after {m} of {count} messages";
                for (var i = 0; i < result.Count; i++)
                    if (position + i >= expected || buffer[i] != At(call, fromClient, m, position + i))
                        return $"call {call} {(fromClient ? "up" : "down")}: message {m} differs at byte {position + i} (length {expected})";
                position += result.Count;
                if (reads % 2 == 1) await Task.Delay(1, ct);
                if (result.EndOfMessage) break;
            }
            if (position != expected) return $"call {call}: message {m} has {position} bytes, expected {expected}";
        }
        return null;
    }

    public async Task CloseAsync(CancellationToken ct)
    {
        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        var buffer = new byte[256];
        while ((await _ws.ReceiveAsync(buffer, ct)).MessageType != WebSocketMessageType.Close) { }
    }

    /// <summary>Waits for the other side's close and answers it.</summary>
    public async Task AnswerCloseAsync(CancellationToken ct)
    {
        var buffer = new byte[256];
        while ((await _ws.ReceiveAsync(buffer, ct)).MessageType != WebSocketMessageType.Close) { }
        if (_ws.State == WebSocketState.CloseReceived) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^1] != '\n' || head[^2] != '\r' || head[^3] != '\n' || head[^4] != '\r')
        {
            if (await stream.ReadAsync(one) == 0) throw new EndOfStreamException("the connection ended during the handshake");
            head.Add(one[0]);
        }
        return Encoding.ASCII.GetString([.. head]);
    }

    public ValueTask DisposeAsync()
    {
        _ws.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
