using Prometheus;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>What a frame forwarder reports to its call; the call decides what each side is told.</summary>
public interface IForwardingEvents
{
    /// <summary>The source's close frame was forwarded (or, once the relay closed, swallowed); code null = no status.</summary>
    void SourceClosed(FrameForwarder from, int? code);

    /// <summary>The source's connection ended or failed without a close frame.</summary>
    Task SourceVanishedAsync(FrameForwarder from);

    /// <summary>The source broke RFC 6455; nothing more can be read from it.</summary>
    Task ProtocolErrorAsync(FrameForwarder from, FrameVerdict verdict);

    /// <summary>The source started a message over the size limit.</summary>
    Task TooBigAsync(FrameForwarder from);

    /// <summary>A data frame passed (for the idle timeout).</summary>
    void DataSeen();
}

/// <summary>
/// One direction of a call: reads the source into one fixed buffer, parses only frame headers, and writes the same
/// bytes on. Client frames stay masked toward the upstream (where the relay is the client) and upstream frames stay
/// unmasked toward the client, so no payload byte is touched. Payload streams through in whatever pieces the reads
/// return; only a partial header (at most 14 bytes) or an incomplete close frame (at most 131) is held back for the
/// next read. Nothing is allocated per frame.
/// </summary>
/// <remarks>What the payload means is not its business: a watch (<see cref="IFirstDataWatch"/>) is told the first data
/// frame's opcode and first payload byte, and interprets them (PersonaPlex's handshake: <see cref="Pool.BackendHandshake"/>).</remarks>
public sealed class FrameForwarder(Stream source, LegWriter destination, byte[] buffer, bool fromClient, long maxMessageBytes,
    IForwardingEvents events, Counter.Child bytesMetric, Counter.Child framesMetric, IFirstDataWatch? firstData = null)
{
    private const int MetricsBatch = 64;
    private long _unflushedBytes, _unflushedFrames;

    // Only until the first data frame's first payload byte is known; null (one check per data frame) after.
    private IFirstDataWatch? _firstData = firstData;
    private bool _firstByteNext;
    private byte _firstOpcode;

    public bool FromClient => fromClient;

    /// <summary>Payload bytes of data frames read from the source.</summary>
    public long PayloadBytes { get; private set; }

    /// <summary>Whole data messages read from the source (final fragments).</summary>
    public long Messages { get; private set; }

    /// <param name="prefilled">Bytes already at the start of the buffer (frames that came with the handshake).</param>
    public async Task RunAsync(int prefilled)
    {
        try
        {
            await ForwardAsync(prefilled);
        }
        finally
        {
            FlushMetrics();
        }
    }

    private async Task ForwardAsync(int end)
    {
        var sequence = new FrameSequence(fromClient, maxMessageBytes);
        long remaining = 0;      // payload of the frame in progress not yet read
        var discarding = false;  // after a 1009: read on only to find the source's close
        while (true)
        {
            var pos = 0;
            var frameEnd = remaining > 0 ? -1 : 0;
            var sawData = false;
            while (true)
            {
                if (remaining > 0)
                {
                    var take = (int)Math.Min(remaining, end - pos);
                    pos += take;
                    remaining -= take;
                    if (remaining > 0) break;
                    if (frameEnd < 0) frameEnd = pos;
                    continue;
                }
                if (pos == end) break;
                var status = WebSocketFrameHeader.TryParse(buffer.AsSpan(pos, end - pos), out var header, out var used);
                if (status == FrameParseStatus.Incomplete) break;
                var verdict = status == FrameParseStatus.LengthTooLarge ? FrameVerdict.LengthTooLarge : sequence.Check(header);
                if (verdict == FrameVerdict.TooBig)
                {
                    if (!discarding) await destination.ForwardAsync(buffer.AsMemory(0, pos), frameEnd, endsMidFrame: false, endsWithClose: false);
                    discarding = true;
                    sequence.StopLimiting();
                    verdict = sequence.Check(header);
                    await events.TooBigAsync(this);
                }
                if (header.Opcode == WebSocketFrameHeader.Close && verdict == FrameVerdict.Ok)
                {
                    if (end - pos < header.FrameLength) break; // the whole close frame, to read its code
                    var body = buffer.AsSpan(pos + used, (int)header.PayloadLength);
                    if (CloseFrame.TryRead(body, header.Masked ? header.MaskKey : null, out var code, out _))
                    {
                        pos += (int)header.FrameLength;
                        // Recorded before it is forwarded: the other side's answering close can come back (and be
                        // recorded) before this forward's continuation runs, which would name the wrong closer.
                        events.SourceClosed(this, code);
                        if (!discarding) await destination.ForwardAsync(buffer.AsMemory(0, pos), frameEnd, endsMidFrame: false, endsWithClose: true);
                        return;
                    }
                    verdict = FrameVerdict.InvalidClose;
                }
                if (verdict != FrameVerdict.Ok)
                {
                    if (!discarding) await destination.ForwardAsync(buffer.AsMemory(0, pos), frameEnd, endsMidFrame: false, endsWithClose: false);
                    await events.ProtocolErrorAsync(this, verdict);
                    return;
                }
                if (header.IsData)
                {
                    PayloadBytes += header.PayloadLength;
                    _unflushedBytes += header.PayloadLength;
                    if (header.Fin)
                    {
                        Messages++;
                        if (++_unflushedFrames >= MetricsBatch) FlushMetrics();
                    }
                    sawData = true;
                    if (_firstData is not null) WatchFirstData(header, pos + used, end);
                }
                pos += used;
                remaining = header.PayloadLength;
            }
            if (pos > 0 && !discarding) await destination.ForwardAsync(buffer.AsMemory(0, pos), frameEnd, endsMidFrame: remaining > 0, endsWithClose: false);
            if (sawData) events.DataSeen();
            end -= pos;
            if (end > 0) buffer.AsSpan(pos, end).CopyTo(buffer);
            int read;
            try
            {
                read = await source.ReadAsync(buffer.AsMemory(end));
            }
            catch (Exception e) when (LegWriter.IsTransportFailure(e))
            {
                read = 0;
            }
            if (read == 0)
            {
                await events.SourceVanishedAsync(this);
                return;
            }
            end += read;
            if (_firstByteNext) FirstByte(buffer[0]);
        }
    }

    /// <summary>
    /// The first data frame: the watch gets its opcode and first payload byte (none when it is empty). When the header
    /// ended the buffer, that byte is the first of the next read (nothing is left over to move before it).
    /// </summary>
    private void WatchFirstData(in WebSocketFrameHeader header, int payloadAt, int end)
    {
        _firstOpcode = header.Opcode;
        if (header.PayloadLength == 0)
        {
            _firstData!.FirstData(header.Opcode, firstPayloadByte: null);
            _firstData = null;
        }
        else if (payloadAt < end) FirstByte(buffer[payloadAt]);
        else _firstByteNext = true;
    }

    private void FirstByte(byte value)
    {
        _firstData!.FirstData(_firstOpcode, value);
        _firstData = null;
        _firstByteNext = false;
    }

    // Counters are shared by every call; adding per frame would make all calls contend on them.
    private void FlushMetrics()
    {
        if (_unflushedBytes > 0) bytesMetric.Inc(_unflushedBytes);
        if (_unflushedFrames > 0) framesMetric.Inc(_unflushedFrames);
        _unflushedBytes = 0;
        _unflushedFrames = 0;
    }
}
