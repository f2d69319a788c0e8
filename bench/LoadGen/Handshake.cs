using System.Net.Sockets;
using System.Text;

namespace VoiceEdge.Bench.LoadGen;

/// <summary>The HTTP/1.1 upgrade both ends of the benchmark speak (RFC 6455 section 4), on raw sockets.</summary>
public static class Handshake
{
    public static string Accept(string key) => VoiceEdge.TestSupport.WebSocketHandshake.AcceptFor(key);

    /// <summary>Reads up to the blank line after the headers; returns the head and how many bytes after it were read.</summary>
    public static async Task<(string Head, int Extra)> ReadHeadAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        var have = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, ct);
            if (n == 0) throw new IOException("connection closed during the handshake");
            have += n;
            var end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8);
            if (end < 0) continue;
            var head = Encoding.ASCII.GetString(buffer, 0, end + 4);
            var extra = have - end - 4;
            buffer.AsSpan(end + 4, extra).CopyTo(buffer);
            return (head, extra);
        }
    }

    public static string Header(string head, string name) =>
        head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault() ?? "";

    /// <summary>A v1 relay token valid for 50 s (the test rig's minter, tests/VoiceEdge.TestSupport).</summary>
    public static string RelayToken(string key, string session) =>
        VoiceEdge.TestSupport.RelayTokens.V1(key, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 50, session);
}
