namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Reads an Ogg Opus stream (RFC 7845) that arrives in arbitrary chunks: checks the OpusHead and OpusTags
/// headers and returns the audio packets. Throws InvalidDataException naming what is wrong.
/// </summary>
public sealed class OggOpusReader
{
    private readonly OggPacketReader _ogg = new();
    private int _packets;

    public OpusHead? Head { get; private set; }

    public OpusTags? Tags { get; private set; }

    public IReadOnlyList<byte[]> Push(ReadOnlySpan<byte> data)
    {
        var audio = new List<byte[]>();
        foreach (var packet in _ogg.Push(data))
        {
            switch (_packets++)
            {
                case 0:
                    Head = OpusHead.Parse(packet);
                    break;
                case 1:
                    Tags = OpusTags.Parse(packet);
                    break;
                default:
                    // A zero-length packet carries no audio (a decoder would conceal a loss); skip it.
                    if (packet.Length > 0) audio.Add(packet);
                    break;
            }
        }
        return audio;
    }
}
