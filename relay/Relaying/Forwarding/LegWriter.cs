using System.Net.Sockets;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// The sending half of one leg (toward the client or toward the upstream). Two writers share it: the frame forwarder of
/// the other direction and the relay itself (its own close and keep-alive ping frames). A gate serializes them, and the
/// relay's frames go in only at a frame boundary: a close asked for mid-frame waits until the frame in progress ends.
/// Once a close has gone out (forwarded or the relay's own) the leg carries nothing more.
/// </summary>
public sealed class LegWriter(Stream stream, bool relayIsClient) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _control = new byte[CloseFrame.MaxControlFrameBytes];
    private bool _midFrame;
    private bool _closed;
    private (int Code, string Reason)? _pendingClose;

    /// <summary>A leg that is already shut: everything written to it is dropped (a call whose upstream never opened).</summary>
    public static LegWriter Shut()
    {
        var writer = new LegWriter(Stream.Null, true) { _closed = true };
        return writer;
    }

    /// <summary>True once a close frame went out on this leg, or the leg failed.</summary>
    public bool Closed => Volatile.Read(ref _closed);

    /// <summary>
    /// Sends forwarded bytes. <paramref name="frameEnd"/> is where the frame in progress at the chunk's start ends (0: the
    /// chunk starts at a frame boundary; -1: not within this chunk); a pending close goes in there.
    /// </summary>
    public ValueTask ForwardAsync(ReadOnlyMemory<byte> chunk, int frameEnd, bool endsMidFrame, bool endsWithClose)
    {
        // The common case, once per forwarded read: nobody else writing, no close waiting, and the socket takes the bytes
        // at once; it completes here without an async state machine.
        if (!_gate.Wait(0)) return ForwardQueuedAsync(chunk, frameEnd, endsMidFrame, endsWithClose);
        if (_closed || _pendingClose is not null)
        {
            _gate.Release();
            return ForwardQueuedAsync(chunk, frameEnd, endsMidFrame, endsWithClose);
        }
        ValueTask write;
        try
        {
            write = stream.WriteAsync(chunk);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
            _gate.Release();
            return ValueTask.CompletedTask;
        }
        if (!write.IsCompletedSuccessfully) return FinishWriteAsync(write, endsMidFrame, endsWithClose);
        _midFrame = endsMidFrame;
        if (endsWithClose) _closed = true;
        _gate.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>The fast path's write that had to wait (or failed): finish it, then let the next writer in.</summary>
    private async ValueTask FinishWriteAsync(ValueTask write, bool endsMidFrame, bool endsWithClose)
    {
        try
        {
            await write;
            _midFrame = endsMidFrame;
            if (endsWithClose) _closed = true;
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask ForwardQueuedAsync(ReadOnlyMemory<byte> chunk, int frameEnd, bool endsMidFrame, bool endsWithClose)
    {
        await _gate.WaitAsync();
        try
        {
            if (_closed) return;
            if (_pendingClose is { } pending && frameEnd >= 0)
            {
                if (frameEnd > 0) await stream.WriteAsync(chunk[..frameEnd]);
                await WriteCloseAsync(pending.Code, pending.Reason);
                return;
            }
            await stream.WriteAsync(chunk);
            _midFrame = endsMidFrame;
            if (endsWithClose) _closed = true;
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends the relay's own close frame, now or at the end of the frame in progress; once per leg, never throws.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        await _gate.WaitAsync();
        try
        {
            if (_closed) return;
            if (_midFrame)
            {
                _pendingClose ??= (code, reason);
                return;
            }
            await WriteCloseAsync(code, reason);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A keep-alive ping, only between frames; skipped when a frame is in progress or the leg is closed.</summary>
    public async Task TryPingAsync(ReadOnlyMemory<byte> payload)
    {
        if (!_gate.Wait(0)) return;
        try
        {
            if (_closed || _midFrame) return;
            var length = CloseFrame.WriteControl(_control, WebSocketFrameHeader.Ping, payload.Span, relayIsClient);
            await stream.WriteAsync(_control.AsMemory(0, length));
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WriteCloseAsync(int code, string reason)
    {
        _closed = true;
        var length = CloseFrame.Write(_control, code, reason, relayIsClient);
        await stream.WriteAsync(_control.AsMemory(0, length));
    }

    internal static bool IsTransportFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;

    public void Dispose() => _gate.Dispose();
}
