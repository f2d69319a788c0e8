namespace VoiceEdge.Relay.Transport;

/// <summary>
/// An <see cref="EpollSocket"/> as a duplex <see cref="Stream"/> (async only), for code written against streams: the
/// frame forwarder, the upstream handshake, TLS. Bytes that were read before the stream existed (what a client sent
/// right behind its upgrade request) come first.
/// </summary>
public sealed class EpollSocketStream(EpollSocket socket, bool ownsSocket, byte[]? readFirst = null) : Stream
{
    private byte[]? _readFirst = readFirst is { Length: > 0 } ? readFirst : null;
    private int _readFirstAt;

    public EpollSocket Socket => socket;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readFirst is null) return socket.ReadAsync(buffer, cancellationToken);
        var n = Math.Min(buffer.Length, _readFirst.Length - _readFirstAt);
        _readFirst.AsSpan(_readFirstAt, n).CopyTo(buffer.Span);
        _readFirstAt += n;
        if (_readFirstAt == _readFirst.Length) _readFirst = null;
        return new ValueTask<int>(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush() { }

    // Synchronous callers (none in the relay) block on the async path.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsSocket) socket.Dispose();
        base.Dispose(disposing);
    }
}
