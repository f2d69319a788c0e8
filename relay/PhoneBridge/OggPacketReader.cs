namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Demultiplexes an Ogg stream that arrives in arbitrary chunks (a WebSocket message may hold part of a page
/// or several pages): buffers bytes, checks each page, and reassembles packets that span pages. One logical
/// stream is expected; a page with another serial number is an error. Buffering is bounded.
/// </summary>
public sealed class OggPacketReader
{
    /// <summary>The largest page is 27 + 255 + 255 * 255 bytes.</summary>
    public const int MaxPageBytes = OggPage.HeaderSize + OggPage.MaxSegments + 255 * 255;

    /// <summary>A packet larger than this (over many pages) is refused rather than buffered.</summary>
    public const int MaxPacketBytes = 256 * 1024;

    private byte[] _buffer = new byte[8192];
    private int _length;
    private readonly List<byte> _partial = [];
    private bool _partialOpen;
    private bool _dropping;
    private uint? _serial;
    private uint _nextSequence;

    /// <summary>Pages read so far.</summary>
    public long Pages { get; private set; }

    /// <summary>Adds bytes and returns the packets they complete, in order. Throws InvalidDataException on a bad stream.</summary>
    public IReadOnlyList<byte[]> Push(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + data.Length));
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;

        var packets = new List<byte[]>();
        var offset = 0;
        while (offset < _length)
        {
            var page = OggPage.TryParse(_buffer.AsSpan(offset, _length - offset), out var consumed);
            if (page is null) break;
            offset += consumed;
            Accept(page, packets);
        }
        if (offset > 0)
        {
            _buffer.AsSpan(offset, _length - offset).CopyTo(_buffer);
            _length -= offset;
        }
        if (_length > MaxPageBytes) throw new InvalidDataException($"Ogg stream: {_length} bytes without a complete page");
        return packets;
    }

    private void Accept(OggPage page, List<byte[]> packets)
    {
        if (_serial is null)
        {
            if (!page.Flags.HasFlag(OggHeaderType.BeginOfStream)) throw new InvalidDataException("Ogg stream: first page is not a beginning-of-stream page");
            _serial = page.Serial;
            _nextSequence = page.Sequence;
        }
        else if (page.Serial != _serial) throw new InvalidDataException($"Ogg stream: page of a second logical stream (serial {page.Serial}, expected {_serial})");
        // A gap in sequence numbers means lost pages: drop a packet that was being continued.
        if (page.Sequence != _nextSequence) ResetPartial();
        _nextSequence = page.Sequence + 1;
        Pages++;

        var continued = page.Flags.HasFlag(OggHeaderType.Continued);
        if (!continued) ResetPartial();
        // The first packet continues one whose start we never saw: skip it up to its end.
        else if (!_partialOpen) _dropping = true;
        var position = 0;
        foreach (var lace in page.Lacing)
        {
            if (!_dropping)
            {
                _partial.AddRange(page.Body.AsSpan(position, lace));
                if (_partial.Count > MaxPacketBytes) throw new InvalidDataException($"Ogg stream: packet over {MaxPacketBytes} bytes");
            }
            position += lace;
            if (lace < 255)
            {
                if (!_dropping) packets.Add([.. _partial]);
                _partial.Clear();
                _dropping = false;
            }
        }
        _partialOpen = page.Lacing.Length > 0 && page.Lacing[^1] == 255;
    }

    private void ResetPartial()
    {
        _partial.Clear();
        _partialOpen = false;
        _dropping = false;
    }
}
