using System.Diagnostics;
using Prometheus;

namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>
/// Times one call's wait for its backend's PersonaPlex handshake: from the WebSocket upgrade (when this is made) to
/// the first 0x00-kind binary message, into <c>voice_edge_backend_handshake_seconds{backend}</c>. At most one
/// observation per call; a backend that does not speak PersonaPlex (first message not 0x00) adds none.
/// </summary>
public sealed class BackendHandshake(Histogram.Child seconds, Action? seen = null) : Forwarding.IFirstDataWatch
{
    private readonly long _upgradedAt = Stopwatch.GetTimestamp();
    private int _seen;
    private int _spoke;

    /// <summary>The backend sent a data message (its handshake or anything else): it did not drop the call before one.</summary>
    public bool Spoke => Volatile.Read(ref _spoke) != 0;

    public static BackendHandshake For(BackendPool pool, BackendSlot slot) => new(pool.Metrics.HandshakeSeconds.WithLabels(slot.Name), () => pool.HandshakeSeen(slot));

    /// <summary>The backend's 0x00 handshake arrived now.</summary>
    public void Seen()
    {
        if (Interlocked.Exchange(ref _seen, 1) != 0) return;
        seconds.Observe(Stopwatch.GetElapsedTime(_upgradedAt).TotalSeconds);
        seen?.Invoke();
    }

    /// <summary>The first payload byte of the backend's first binary message: a handshake when it is 0x00.</summary>
    public void FirstByte(byte kind)
    {
        Volatile.Write(ref _spoke, 1);
        if (kind == 0x00) Seen();
    }

    /// <summary>The backend's first data message was text or empty: no handshake, but it spoke.</summary>
    public void NotPersonaPlex() => Volatile.Write(ref _spoke, 1);

    /// <summary>
    /// On the frame forwarder: the backend's first data frame. PersonaPlex's first message is binary and its first
    /// payload byte is the message kind (0x00 = handshake); anything else is another protocol.
    /// </summary>
    public void FirstData(byte opcode, byte? firstPayloadByte)
    {
        if (opcode == Forwarding.WebSocketFrameHeader.Binary && firstPayloadByte is { } kind) FirstByte(kind);
        else NotPersonaPlex();
    }
}
