using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A WebSocket client written by hand over a loopback TCP socket, for inputs a well-behaved client library
/// refuses to send: any request target, any header bytes, any frame bytes. The request is Latin-1, so every
/// char up to U+00FF goes out as one byte.
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;

    private RawClient(TcpClient tcp, int status, string head)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
        Status = status;
        Head = head;
    }

    public int Status { get; }

    public string Head { get; }

    public NetworkStream Stream { get; }

    /// <summary>The upgraded connection as a client WebSocket (only after a 101).</summary>
    public WebSocket AsWebSocket() => WebSocket.CreateFromStream(Stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

    public static async Task<RawClient> UpgradeAsync(Uri relay, string target, IEnumerable<(string Name, string Value)> headers)
    {
        var tcp = new TcpClient();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await tcp.ConnectAsync(IPAddress.Loopback, relay.Port, guard.Token);
        var request = new StringBuilder()
            .Append("GET ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: 127.0.0.1:").Append(relay.Port).Append("\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
            .Append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        foreach (var (name, value) in headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        request.Append("\r\n");
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), guard.Token);
        var head = await ReadHeadAsync(stream, guard.Token);
        var parts = head.Split(' ', 3);
        var status = parts.Length > 1 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;
        return new RawClient(tcp, status, head);
    }

    /// <summary>Reads the response head byte by byte, so nothing after it (the first frames) is consumed.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16 * 1024)
        {
            if (await stream.ReadAsync(one, ct) == 0) break;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
        }
        return Encoding.Latin1.GetString(head.ToArray());
    }

    /// <summary>Reads until the relay closes the TCP connection; returns what it sent (bounded by a hang guard).</summary>
    public async Task<byte[]> ReadToEndAsync(int timeoutSeconds = 20)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await Stream.ReadAsync(buffer, guard.Token)) > 0) all.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // A reset after the relay's close is an end too.
        }
        return all.ToArray();
    }

    /// <summary>
    /// Reads until a whole close frame has arrived or the relay ends the connection, then ends this client's side
    /// and reads the rest: how a well-behaved peer answers a close. (Kestrel aborts the output of a connection whose
    /// input has ended, so a client that half-closes first may never see the relay's close frame: see
    /// dotnet/aspnetcore src/Servers/Kestrel/Core/src/Internal/Http/IHttpOutputAborter.cs, OnInputOrOutputCompleted.)
    /// </summary>
    public async Task<byte[]> ReadUntilCloseThenEndAsync(int timeoutSeconds = 20)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var all = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while (WireFrames.CloseCodes(all.ToArray()).Count == 0 && (n = await Stream.ReadAsync(buffer, guard.Token)) > 0)
                all.Write(buffer, 0, n);
        }
        catch (IOException)
        {
            // A reset is an end too.
        }
        ShutdownSend();
        all.Write(await ReadToEndAsync(timeoutSeconds));
        return all.ToArray();
    }

    /// <summary>Ends what this client sends (TCP FIN); nothing to do when the relay already dropped the connection.</summary>
    public void ShutdownSend()
    {
        try { _tcp.Client.Shutdown(SocketShutdown.Send); }
        catch (SocketException) { }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
