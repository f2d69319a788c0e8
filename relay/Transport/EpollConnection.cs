using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// One accepted connection as Kestrel sees it: two pipes pumped to and from an <see cref="EpollSocket"/> while Kestrel
/// speaks HTTP, until Kestrel closes it or a WebSocket call takes the socket over (<see cref="ISocketTakeoverFeature"/>).
/// </summary>
internal sealed class EpollConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature, ISocketTakeoverFeature
{
    // Request heads are at most 32 KiB in Kestrel by default; nothing the relay receives over HTTP is larger than that.
    private static readonly PipeOptions InputOptions = new(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
        readerScheduler: PipeScheduler.ThreadPool, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private static readonly PipeOptions OutputOptions = new(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false);
    private const int MinReceive = 2048;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static long s_ids;

    private readonly EpollSocket _socket;
    private readonly Pipe _input = new(InputOptions);
    private readonly Pipe _output = new(OutputOptions);
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private Task _receiving = Task.CompletedTask, _sending = Task.CompletedTask;
    private volatile bool _takenOver, _stopping;
    private int _disposed;

    private EpollConnection(EpollSocket socket)
    {
        _socket = socket;
        ConnectionId = $"epoll-{Interlocked.Increment(ref s_ids):x}";
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<ISocketTakeoverFeature>(this);
    }

    public static EpollConnection Start(EpollSocket socket)
    {
        var connection = new EpollConnection(socket);
        connection._receiving = connection.ReceiveAsync();
        connection._sending = connection.SendAsync();
        return connection;
    }

    public override string ConnectionId { get; set; }
    public override IFeatureCollection Features { get; }
    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    public override IDuplexPipe Transport { get; set; }
    public override CancellationToken ConnectionClosed { get => _closed.Token; set { } }
    public override EndPoint? LocalEndPoint { get; set; }
    public override EndPoint? RemoteEndPoint { get; set; }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _stopping = true;
        _socket.Abort();
        _input.Writer.CancelPendingFlush();
        _output.Reader.CancelPendingRead();
    }

    public async ValueTask<Stream?> TakeOverAsync()
    {
        _takenOver = true;
        await _stopReceiving.CancelAsync();
        _input.Writer.CancelPendingFlush();
        _output.Reader.CancelPendingRead();
        await _receiving;
        await _sending;
        byte[]? leftover = null;
        if (_input.Reader.TryRead(out var result))
        {
            leftover = result.Buffer.ToArray();
            _input.Reader.AdvanceTo(result.Buffer.End);
        }
        return _closed.IsCancellationRequested ? null : new EpollSocketStream(_socket, ownsSocket: false, leftover);
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (!_takenOver)
            {
                int n;
                try
                {
                    // Wait for data before taking a buffer, so an idle or taken-over connection holds none (as Kestrel does).
                    await _socket.ReadAsync(Memory<byte>.Empty, _stopReceiving.Token);
                    if (_takenOver) return;
                    n = await _socket.ReadAsync(writer.GetMemory(MinReceive), _stopReceiving.Token);
                }
                catch (OperationCanceledException) when (_takenOver)
                {
                    return;
                }
                if (n == 0) break;
                writer.Advance(n);
                var flush = await writer.FlushAsync();
                if (flush.IsCompleted) break;
            }
        }
        catch (IOException e)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e) when (e is not ConnectionResetException)
        {
            // A bug, not the peer (SocketMisuseException, say): Kestrel reads it from the pipe and logs it with the
            // connection, which ends, instead of waiting forever for input that will never come.
            error = e;
        }
        if (_takenOver) return;
        await writer.CompleteAsync(error);
        FireClosed();
    }

    private async Task SendAsync()
    {
        var reader = _output.Reader;
        var failed = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                await SendAllAsync(result.Buffer);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || (result.IsCanceled && _stopping)) break;
                if (!_takenOver) continue;
                // Taken over: what Kestrel wrote before (the 101) goes out first, then the pump stops.
                while (reader.TryRead(out var rest))
                {
                    await SendAllAsync(rest.Buffer);
                    reader.AdvanceTo(rest.Buffer.End);
                    if (rest.Buffer.IsEmpty || rest.IsCompleted) break;
                }
                return;
            }
        }
        catch (IOException)
        {
            // The peer reset or left (EPIPE, ECONNRESET): as Kestrel's socket transport does, the output completes
            // without an error (what the application still writes is dropped, not thrown at it as an unhandled
            // exception) and the connection closes, which aborts the request.
            failed = true;
            _socket.Abort();
        }
        catch (Exception e)
        {
            // A bug, not the peer: the connection ends, and Kestrel gets the exception on its next write (and logs it)
            // instead of filling a pipe nobody sends from.
            _socket.Abort();
            await reader.CompleteAsync(e);
            FireClosed();
            return;
        }
        await reader.CompleteAsync();
        if (failed) FireClosed();
    }

    private async ValueTask SendAllAsync(ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer) await _socket.WriteAsync(segment);
    }

    private void FireClosed()
    {
        if (_closed.IsCancellationRequested) return;
        ThreadPool.UnsafeQueueUserWorkItem(static c => { try { c.Cancel(); } catch (ObjectDisposedException) { } }, _closed, preferLocal: false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            await base.DisposeAsync();
            return;
        }
        // What Kestrel wrote last (a response still in the pipe, or waiting for room in the socket) goes out before the
        // socket is shut, as Kestrel's socket transport does; a peer that stops reading gets DrainTimeout.
        await _output.Writer.CompleteAsync();
        try
        {
            await _sending.WaitAsync(DrainTimeout);
        }
        catch (TimeoutException)
        {
            Abort(new ConnectionAbortedException("the peer stopped reading"));
            await _sending;
        }
        _stopping = true;
        _socket.Abort();
        _input.Writer.CancelPendingFlush();
        await _receiving;
        _socket.Dispose();
        await _input.Reader.CompleteAsync();
        if (!_closed.IsCancellationRequested) await _closed.CancelAsync();
        _closed.Dispose();
        _stopReceiving.Dispose();
        await base.DisposeAsync();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
