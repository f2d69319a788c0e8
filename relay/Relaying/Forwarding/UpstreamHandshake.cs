using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>The upstream refused or botched the WebSocket handshake (the client gets 1011).</summary>
public sealed class UpstreamRefusedException(string message) : Exception(message);

/// <summary>An open upstream WebSocket: its stream, the subprotocol it chose, how many frame bytes that arrived with
/// the handshake response already sit at the start of the buffer, and its epoll socket under any TLS (on the epoll
/// transport), so the forwarder can run it on the loop.</summary>
public sealed record UpstreamConnection(Stream Stream, string? SubProtocol, int Prefilled, Transport.EpollSocket? Socket = null) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>
/// Opens the upstream leg as a WebSocket client over a plain socket (TLS for wss://): the HTTP/1.1 upgrade of RFC 6455
/// section 4.1, passing on the client's subprotocols (and who is calling, <see cref="CallerIdentity.BackendHeaders"/>) and offering no extension, so permessage-deflate is off on this
/// leg, and (never being accepted from the client either) off on both. The response must be a 101 with the right
/// Sec-WebSocket-Accept, a subprotocol that was offered (if any), and no extension.
/// </summary>
public static class UpstreamHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <param name="loops">The epoll transport's loops, when the relay runs on it: the upstream socket joins them too.</param>
    /// <param name="sendBufferBytes">SO_SNDBUF of the upstream socket; 0 = the kernel's autotuning.</param>
    public static async Task<UpstreamConnection> ConnectAsync(Uri uri, IReadOnlyList<string> subProtocols, byte[] buffer, CancellationToken ct,
        IReadOnlyList<(string Name, string Value)>? headers = null, Pool.CertificatePin? pin = null, Transport.EpollLoops? loops = null,
        int sendBufferBytes = 0)
    {
        var secure = uri.Scheme is "wss" or "https";
        if (!secure && uri.Scheme is not ("ws" or "http")) throw new UpstreamRefusedException($"unsupported upstream scheme {uri.Scheme}");
        var stream = await OpenAsync(uri, loops, sendBufferBytes, ct);
        var socket = (stream as Transport.EpollSocketStream)?.Socket;
        try
        {
            if (secure)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                // No callback: the platform's validation. With a pin: exactly the pinned certificate, nothing else.
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = uri.IdnHost,
                    RemoteCertificateValidationCallback = pin is null ? null : (_, certificate, _, _) => certificate is not null && pin.Matches(certificate),
                }, ct);
            }
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Request(uri, key, subProtocols, headers ?? [])), ct);
            var (headerEnd, received) = await ReadHeadersAsync(stream, buffer, ct);
            var chosen = CheckResponse(Encoding.ASCII.GetString(buffer, 0, headerEnd), key, subProtocols);
            buffer.AsSpan(headerEnd, received - headerEnd).CopyTo(buffer);
            return new UpstreamConnection(stream, chosen, received - headerEnd, socket);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>A TCP connection to the URL's host and port (Nagle off), on the epoll loops when given.</summary>
    private static async Task<Stream> OpenAsync(Uri uri, Transport.EpollLoops? loops, int sendBufferBytes, CancellationToken ct)
    {
        try
        {
            if (loops is null)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (sendBufferBytes > 0) socket.SendBufferSize = sendBufferBytes;
                try
                {
                    await socket.ConnectAsync(uri.IdnHost, uri.Port, ct);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                return new NetworkStream(socket, ownsSocket: true);
            }
            var addresses = System.Net.IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await System.Net.Dns.GetHostAddressesAsync(uri.IdnHost, ct);
            Exception? last = null;
            foreach (var address in addresses)
            {
                try
                {
                    var socket = await Transport.EpollSocket.ConnectAsync(loops.Next(), new System.Net.IPEndPoint(address, uri.Port), ct, sendBufferBytes);
                    return new Transport.EpollSocketStream(socket, ownsSocket: true);
                }
                catch (IOException e)
                {
                    last = e;
                }
            }
            throw last ?? new IOException("no address");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new UpstreamRefusedException($"connect to {uri.IdnHost}:{uri.Port} failed: {(e is SocketException s ? s.SocketErrorCode.ToString() : e.Message)}");
        }
    }

    // RFC 6455 4.2.2 fixes SHA-1 here; it proves the peer speaks WebSocket, it protects nothing.
#pragma warning disable CA5350
    public static string AcceptFor(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350

    private static string Request(Uri uri, string key, IReadOnlyList<string> subProtocols, IReadOnlyList<(string Name, string Value)> headers)
    {
        var request = new StringBuilder()
            .Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}").Append("\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
            .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
        if (subProtocols.Count > 0) request.Append("Sec-WebSocket-Protocol: ").Append(string.Join(", ", subProtocols)).Append("\r\n");
        foreach (var (name, value) in headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        return request.Append("\r\n").ToString();
    }

    /// <summary>Reads until the blank line that ends the response headers; returns where the headers end and how much was read.</summary>
    private static async Task<(int HeaderEnd, int Received)> ReadHeadersAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        var received = 0;
        while (true)
        {
            if (received == buffer.Length) throw new UpstreamRefusedException("handshake response headers too large");
            var n = await stream.ReadAsync(buffer.AsMemory(received), ct);
            if (n == 0) throw new UpstreamRefusedException("upstream closed the connection during the handshake");
            var searchFrom = Math.Max(0, received - 3);
            received += n;
            var end = buffer.AsSpan(searchFrom, received - searchFrom).IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (searchFrom + end + 4, received);
        }
    }

    private static string? CheckResponse(string head, string key, IReadOnlyList<string> offered)
    {
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = lines.Length > 0 ? lines[0].Split(' ', 3) : [];
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || status[1] != "101")
            throw new UpstreamRefusedException($"upstream answered {(status.Length > 1 ? status[1] : "garbage")} instead of 101");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var prior) ? $"{prior}, {value}" : value;
        }
        if (!headers.TryGetValue("Upgrade", out var upgrade) || !upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase))
            throw new UpstreamRefusedException("upstream 101 without Upgrade: websocket");
        if (!headers.TryGetValue("Connection", out var connection) || !connection.Contains("upgrade", StringComparison.OrdinalIgnoreCase))
            throw new UpstreamRefusedException("upstream 101 without Connection: Upgrade");
        if (!headers.TryGetValue("Sec-WebSocket-Accept", out var accept) || accept != AcceptFor(key))
            throw new UpstreamRefusedException("upstream Sec-WebSocket-Accept does not match the key");
        if (headers.TryGetValue("Sec-WebSocket-Extensions", out var extensions) && extensions.Length > 0)
            throw new UpstreamRefusedException("upstream chose an extension that was not offered");
        if (!headers.TryGetValue("Sec-WebSocket-Protocol", out var protocol) || protocol.Length == 0) return null;
        if (!offered.Contains(protocol, StringComparer.Ordinal))
            throw new UpstreamRefusedException("upstream chose a subprotocol that was not offered");
        return protocol;
    }
}
