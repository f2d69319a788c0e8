using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.TestSupport;

/// <summary>The server's side of the WebSocket opening handshake (RFC 6455 section 4.2.2), for raw-socket stand-ins.</summary>
public static class WebSocketHandshake
{
    /// <summary>Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.</summary>
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept value
    public static string AcceptFor(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350

    /// <summary>The 101 answer carrying <paramref name="accept"/>, with <paramref name="extraHeaders"/> (whole lines, each ending CRLF).</summary>
    public static string SwitchingProtocols(string accept, string extraHeaders = "") =>
        $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extraHeaders}\r\n";
}
