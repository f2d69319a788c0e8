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
        var writer = new LegWriter(Stream.Null, relayIsClient: true) { _closed = true };
        return writer;
    }

    /// <summary>A forwarded frame is in progress on this leg: only the rest of it may come next.</summary>
    public bool MidFrame => Volatile.Read(ref _midFrame);

    /// <summary>True once a close frame went out on this leg, or the leg failed.</summary>
    public bool Closed => Volatile.Read(ref _closed);

    /// <summary>
    /// Sends forwarded bytes. <paramref name="frameEnd"/> is where the frame in progress at the chunk's start ends (0: the
    /// chunk starts at a frame boundary; -1: not within this chunk); a pending close goes in there.
    /// </summary>
    public ValueTask ForwardAsync(ReadOnlyMemory<byte> chunk, int frameEnd, bool endsMidFrame, bool endsWithClose)
    {
        // The common case, once per forwarded read: nobody else writing and no close waiting.
        if (!_gate.Wait(0)) return ForwardQueuedAsync(chunk, frameEnd, endsMidFrame, endsWithClose);
        if (!_closed && _pendingClose is null) return ForwardHoldingGate(chunk, endsMidFrame, endsWithClose);
        _gate.Release();
        return ForwardQueuedAsync(chunk, frameEnd, endsMidFrame, endsWithClose);
    }

    private async ValueTask ForwardQueuedAsync(ReadOnlyMemory<byte> chunk, int frameEnd, bool endsMidFrame, bool endsWithClose)
    {
        await _gate.WaitAsync();
        if (_closed)
        {
            _gate.Release();
            return;
        }
        if (_pendingClose is not { } pending || frameEnd < 0)
        {
            await ForwardHoldingGate(chunk, endsMidFrame, endsWithClose);
            return;
        }
        try
        {
            if (frameEnd > 0) await stream.WriteAsync(chunk[..frameEnd]);
            await WriteCloseAsync(pending.Code, pending.Reason);
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

    /// <summary>With the gate held: writes, then releases the gate; no state machine when the socket takes the bytes at once.</summary>
    private ValueTask ForwardHoldingGate(ReadOnlyMemory<byte> chunk, bool endsMidFrame, bool endsWithClose)
    {
        ValueTask write;
        try
        {
            write = stream.WriteAsync(chunk);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            write = ValueTask.FromException(e);
        }
        catch
        {
            // A bug, not the peer: it goes up to the call (which logs it and closes both legs), with the gate free.
            _gate.Release();
            throw;
        }
        if (!write.IsCompleted) return FinishWriteAsync(write, endsMidFrame, endsWithClose);
        // Completed, maybe only just (on the loop's thread, after the socket parked it): its result is still collected,
        // exactly once. A task backed by a reusable source that is looked at but never collected stays "done" for the
        // socket's next write, whose buffer would then be reused while the socket still sends from it.
        try
        {
            write.GetAwaiter().GetResult();
            Wrote(endsMidFrame, endsWithClose);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            _closed = true;
        }
        finally
        {
            _gate.Release();
        }
        return ValueTask.CompletedTask;
    }

    private async ValueTask FinishWriteAsync(ValueTask write, bool endsMidFrame, bool endsWithClose)
    {
        try
        {
            await write;
            Wrote(endsMidFrame, endsWithClose);
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

    private void Wrote(bool endsMidFrame, bool endsWithClose)
    {
        _midFrame = endsMidFrame;
        if (endsWithClose) _closed = true;
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

    /// <summary>
    /// A peer or connection going away: the socket failed or ended, or was aborted or disposed under the call. Anything
    /// else (InvalidOperationException, NullReferenceException, <see cref="Transport.SocketMisuseException"/>) is a bug
    /// in the relay, and must never read as a client or backend leaving (ForwardedCall logs it with the call).
    /// </summary>
    internal static bool IsTransportFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException;

    public void Dispose() => _gate.Dispose();
}
