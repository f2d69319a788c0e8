using System.Net.WebSockets;

namespace VoiceEdge.TestSupport;

public static class WebSocketMessages
{
    /// <summary>
    /// Receives one whole message into <paramref name="buffer"/> (its frames joined, no allocation): its length and
    /// type, <see cref="WebSocketMessageType.Close"/> when the close arrived instead. The stand-ins' receive loop.
    /// </summary>
    public static async ValueTask<(int Length, WebSocketMessageType Type)> ReceiveIntoAsync(this WebSocket ws, Memory<byte> buffer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ws);
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await ws.ReceiveAsync(buffer[length..], ct);
            length += result.Count;
        } while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
        return (length, result.MessageType);
    }
}
