using System.Net.WebSockets;
using System.Text;

namespace VoiceEdge.Relay.Tests.Support;

public static class Frames
{
    public static Task SendTextAsync(this WebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Receives one whole message (or the close), with a hang guard.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(this WebSocket ws, int timeoutSeconds = 30)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return (WebSocketMessageType.Close, []);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket ws)
    {
        var (type, data) = await ws.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>Reads until the close arrives (skipping the upstream hello and any messages).</summary>
    public static async Task<(WebSocketCloseStatus? Code, string? Reason)> ReceiveCloseAsync(this WebSocket ws, int timeoutSeconds = 30)
    {
        while (true)
        {
            var (type, _) = await ws.ReceiveMessageAsync(timeoutSeconds);
            if (type == WebSocketMessageType.Close) return (ws.CloseStatus, ws.CloseStatusDescription);
        }
    }
}
