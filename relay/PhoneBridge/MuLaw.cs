namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// G.711 mu-law, the telephone codec of Twilio Media Streams (audio/x-mulaw), with lookup tables built from
/// the ITU-T G.711 reference algorithm (Sun's public-domain g711.c: 14-bit magnitude, bias 0x84, eight
/// segments, code bits inverted). Tested against NAudio's MuLawEncoder/MuLawDecoder, which differ in two
/// places: they decode 0x7F (-0) as -1, and encode -32768 as 0x7F (an overflow when negating it).
/// </summary>
public static class MuLaw
{
    private const int Bias = 0x84;
    private const int Clip = 32635;

    private static readonly short[] DecodeTable = BuildDecodeTable();
    private static readonly byte[] EncodeTable = BuildEncodeTable();

    public static void Decode(ReadOnlySpan<byte> mulaw, Span<short> pcm)
    {
        for (var i = 0; i < mulaw.Length; i++) pcm[i] = DecodeTable[mulaw[i]];
    }

    public static void Encode(ReadOnlySpan<short> pcm, Span<byte> mulaw)
    {
        for (var i = 0; i < pcm.Length; i++) mulaw[i] = EncodeTable[(ushort)pcm[i]];
    }

    public static short Decode(byte code)
    {
        var u = ~code & 0xFF;
        var t = (((u & 0x0F) << 3) + Bias) << ((u & 0x70) >> 4);
        return (short)((u & 0x80) != 0 ? Bias - t : t - Bias);
    }

    public static byte Encode(short sample)
    {
        int pcm = sample;
        var mask = 0xFF;
        if (pcm < 0)
        {
            pcm = -pcm;
            mask = 0x7F;
        }
        pcm = Math.Min(pcm, Clip) + Bias;
        var segment = 7;
        for (var limit = 0x4000; segment > 0 && pcm < limit; limit >>= 1) segment--;
        var code = (segment << 4) | ((pcm >> (segment + 3)) & 0x0F);
        return (byte)(code ^ mask);
    }

    private static short[] BuildDecodeTable() => [.. Enumerable.Range(0, 256).Select(b => Decode((byte)b))];

    private static byte[] BuildEncodeTable() => [.. Enumerable.Range(0, 65536).Select(i => Encode((short)(ushort)i))];
}
