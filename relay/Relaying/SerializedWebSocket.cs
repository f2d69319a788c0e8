using System.Net.WebSockets;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// A WebSocket whose sends are serialized: the relay loop and the watchdog (idle, drain) may both need to
/// send, and a WebSocket allows one send at a time.
/// </summary>
public sealed class SerializedWebSocket(WebSocket socket) : IDisposable
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public WebSocket Socket => socket;

    public WebSocketState State => socket.State;

    public bool CanSend => socket.State is WebSocketState.Open or WebSocketState.CloseReceived;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, bool endOfMessage, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await socket.SendAsync(data, type, endOfMessage, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame unless one was already sent or the socket is gone; never throws.</summary>
    public async Task TryCloseOutputAsync(WebSocketCloseStatus status, string reason, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _sendLock.WaitAsync(cts.Token);
            try
            {
                if (CanSend) await socket.CloseOutputAsync(status, Truncate(reason), cts.Token);
            }
            finally
            {
                _sendLock.Release();
            }
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

    public void Dispose()
    {
        socket.Dispose();
        _sendLock.Dispose();
    }
}
