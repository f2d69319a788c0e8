using System.Net.WebSockets;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>Reads whole WebSocket messages into one reused buffer, refusing any larger than a limit.</summary>
public sealed class WholeMessageReader(WebSocket socket, int maxBytes)
{
    private byte[] _buffer = new byte[4096];

    /// <summary>The last message read.</summary>
    public ReadOnlySpan<byte> Message => _buffer.AsSpan(0, Length);

    public int Length { get; private set; }

    /// <summary>Reads the next message: its type, or Close; throws <see cref="MessageTooBigException"/> past the limit.</summary>
    public async Task<WebSocketMessageType> ReadAsync(CancellationToken ct)
    {
        Length = 0;
        while (true)
        {
            if (Length == _buffer.Length)
            {
                if (Length >= maxBytes) throw new MessageTooBigException(maxBytes);
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxBytes));
            }
            var result = await socket.ReceiveAsync(_buffer.AsMemory(Length), ct);
            if (result.MessageType == WebSocketMessageType.Close) return WebSocketMessageType.Close;
            Length += result.Count;
            if (result.EndOfMessage) return result.MessageType;
        }
    }
}

public sealed class MessageTooBigException(int limit) : Exception($"message larger than {limit} bytes")
{
    public int Limit => limit;
}
