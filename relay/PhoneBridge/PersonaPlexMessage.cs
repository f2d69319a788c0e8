namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The kind byte that starts every binary message of PersonaPlex's /api/chat (NVIDIA/personaplex,
/// moshi/server.py): 0x00 handshake (sent once the prompts are processed), 0x01 audio (a piece of an Ogg
/// Opus stream, 24 kHz), 0x02 text (UTF-8).
/// </summary>
public enum PersonaPlexKind : byte
{
    Handshake = 0x00,
    Audio = 0x01,
    Text = 0x02,
}

public static class PersonaPlexMessage
{
    public static byte[] Audio(ReadOnlySpan<byte> ogg)
    {
        var message = new byte[1 + ogg.Length];
        message[0] = (byte)PersonaPlexKind.Audio;
        ogg.CopyTo(message.AsSpan(1));
        return message;
    }
}
