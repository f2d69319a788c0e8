using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// The client leg after the 101, read from and written to Kestrel's connection pipes directly instead of through its
/// HTTP/1.1 upgrade stream (request and response stream, body pipe wrappers, output producer and flush timing: four
/// layers per read and per write that an upgraded connection does not need). Reads copy what the pipe holds into the
/// caller's buffer; writes copy into the pipe and flush. Completing the pipes stays Kestrel's job (it ends the
/// connection when the request ends), so disposing this stream leaves them open.
/// </summary>
public sealed class TransportPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_input.TryRead(out var result))
        {
            if (Take(result, buffer.Span, out var read)) return ValueTask.FromResult(0);
            if (read > 0) return ValueTask.FromResult(read);
        }
        return ReadSlowAsync(buffer, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            if (Take(result, buffer.Span, out var read)) return 0;
            if (read > 0) return read;
        }
    }

    /// <summary>Copies what the read returned; true when the input has ended (nothing more will come).</summary>
    private bool Take(ReadResult result, Span<byte> destination, out int copied)
    {
        var data = result.Buffer;
        copied = (int)Math.Min(data.Length, destination.Length);
        data.Slice(0, copied).CopyTo(destination);
        _input.AdvanceTo(data.GetPosition(copied));
        return copied == 0 && (result.IsCompleted || result.IsCanceled);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = _output.WriteAsync(buffer, cancellationToken);
        if (!flush.IsCompletedSuccessfully) return AwaitFlushAsync(flush);
        Check(flush.Result);
        return default;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => Check(await flush);

    // The connection's output ended (the client is gone or Kestrel aborted it): the leg fails like a socket would.
    private static void Check(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled) throw new IOException("the client connection's output has ended");
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous writes only");
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
