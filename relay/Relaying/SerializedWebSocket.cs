using System.Net.WebSockets;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// One side of a call. The relay loop and the watchdog (idle, drain) may both send; .NET's WebSocket
/// implementation already queues concurrent sends (including close frames) behind its own send lock, so no
/// extra lock is taken on the per-frame path.
/// </summary>
public sealed class SerializedWebSocket(WebSocket socket) : IDisposable
{
    public WebSocket Socket => socket;

    public WebSocketState State => socket.State;

    public bool CanSend => socket.State is WebSocketState.Open or WebSocketState.CloseReceived;

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, bool endOfMessage, CancellationToken ct) =>
        socket.SendAsync(data, type, endOfMessage, ct);

    /// <summary>Sends a close frame unless one was already sent or the socket is gone; never throws.</summary>
    public async Task TryCloseOutputAsync(WebSocketCloseStatus status, string reason, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (CanSend) await socket.CloseOutputAsync(status, Truncate(reason), cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            socket.Abort();
        }
    }

    /// <summary>A close reason is at most 123 bytes of UTF-8.</summary>
    private static string Truncate(string reason)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(reason) > 123) reason = reason[..^1];
        return reason;
    }

    public void Dispose() => socket.Dispose();
}
