using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// One end of a WebSocket over a plain loopback socket, with no WebSocket library: the test writes exact bytes
/// (malformed ones included) and reads frames back as they arrived. Used as the client of the relay and, through
/// <see cref="RawFrameUpstream"/>, as the upstream.
/// </summary>
public sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _pending = [];

    private RawPeer(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The HTTP head the peer received (a request upstream, a response at the client).</summary>
    public string Head { get; private set; } = "";

    /// <summary>Opens a WebSocket to the relay; returns the peer once the 101 arrived, or the status line it got instead.</summary>
    /// <param name="behindRequest">Bytes sent in the same write as the request, before the 101 (frames of an eager client).</param>
    public static async Task<RawPeer> ConnectAsync(Uri httpBase, string pathAndQuery, IEnumerable<(string Name, string Value)> headers, byte[]? behindRequest = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, httpBase.Port);
        var peer = new RawPeer(socket);
        var request = new StringBuilder($"GET {pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{httpBase.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").Append(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))).Append("\r\n");
        foreach (var (name, value) in headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        await peer.SendAsync([.. Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), .. behindRequest ?? []]);
        peer.Head = await peer.ReadHeadAsync();
        return peer;
    }

    internal static async Task<RawPeer> AcceptAsync(Socket socket, Func<string, string> respond)
    {
        var peer = new RawPeer(socket);
        peer.Head = await peer.ReadHeadAsync();
        await peer.SendAsync(Encoding.ASCII.GetBytes(respond(peer.Head)));
        return peer;
    }

    public static string HeaderValue(string head, string name) =>
        head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault() ?? "";

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends each byte in its own write with a pause, so the relay sees them in separate reads.</summary>
    public async Task SendByteByByteAsync(byte[] bytes, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await SendAsync([bytes[i]]);
            await Task.Delay(5);
        }
        await SendAsync(bytes[count..]);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (raw, as sent by the other side), with a hang guard.</summary>
    public async Task<byte[]> ReadBytesAsync(int count, int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var result = new byte[count];
        var have = Math.Min(count, _pending.Length);
        _pending.AsSpan(0, have).CopyTo(result);
        _pending = _pending[have..];
        while (have < count)
        {
            var n = await _stream.ReadAsync(result.AsMemory(have), timeout.Token);
            if (n == 0) throw new EndOfStreamException($"connection ended after {have} of {count} bytes");
            have += n;
        }
        return result;
    }

    public async Task<RawFrame> ReadFrameAsync(int timeoutSeconds = 30)
    {
        var head = await ReadBytesAsync(2, timeoutSeconds);
        var masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadBytesAsync(2, timeoutSeconds));
        else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadBytesAsync(8, timeoutSeconds));
        var key = masked ? await ReadBytesAsync(4, timeoutSeconds) : [];
        var payload = await ReadBytesAsync(checked((int)length), timeoutSeconds);
        if (masked) for (var i = 0; i < payload.Length; i++) payload[i] ^= key[i & 3];
        return new RawFrame((head[0] & 0x80) != 0, (byte)((head[0] >> 4) & 7), (byte)(head[0] & 0xF), masked, payload);
    }

    /// <summary>Reads frames until a close arrives; returns it and the frames before it.</summary>
    public async Task<(RawFrame Close, List<RawFrame> Before)> ReadUntilCloseAsync(int timeoutSeconds = 30)
    {
        var before = new List<RawFrame>();
        while (true)
        {
            var frame = await ReadFrameAsync(timeoutSeconds);
            if (frame.Opcode == RawFrames.Close) return (frame, before);
            before.Add(frame);
        }
    }

    /// <summary>True when the other side ends the connection (EOF or reset) within the time, discarding anything before.</summary>
    public async Task<bool> EndsAsync(int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var sink = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(sink, timeout.Token) > 0) { }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string> ReadHeadAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16 * 1024];
        var have = 0;
        while (true)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(have), timeout.Token);
            if (n == 0) return Encoding.ASCII.GetString(buffer, 0, have);
            have += n;
            var end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
            if (end < 0) continue;
            _pending = buffer[(end + 4)..have];
            return Encoding.ASCII.GetString(buffer, 0, end + 4);
        }
    }

    /// <summary>Drops the connection without a close frame (a vanished peer).</summary>
    public void Vanish()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _stream.Dispose();
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
