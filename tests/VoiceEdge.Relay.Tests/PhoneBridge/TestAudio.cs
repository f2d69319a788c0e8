using System.Buffers.Binary;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>Signals and measures for the audio tests: sines, 16-bit mono WAV files, tone energy, correlation.</summary>
public static class TestAudio
{
    public static short[] Sine(double hz, int rate, int samples, double amplitude = 8000, double phase = 0) =>
        [.. Enumerable.Range(0, samples).Select(i => (short)Math.Round(amplitude * Math.Sin(phase + 2 * Math.PI * hz * i / rate)))];

    public static double Rms(ReadOnlySpan<short> x)
    {
        double sum = 0;
        foreach (var s in x) sum += (double)s * s;
        return x.IsEmpty ? 0 : Math.Sqrt(sum / x.Length);
    }

    /// <summary>Share of the signal's energy at <paramref name="hz"/> (Goertzel over the whole span), 0..1.</summary>
    public static double ToneShare(ReadOnlySpan<short> x, double hz, int rate)
    {
        var w = 2 * Math.PI * hz / rate;
        double s1 = 0, s2 = 0, total = 0;
        foreach (var v in x)
        {
            var s0 = v + 2 * Math.Cos(w) * s1 - s2;
            s2 = s1;
            s1 = s0;
            total += (double)v * v;
        }
        var power = s1 * s1 + s2 * s2 - 2 * Math.Cos(w) * s1 * s2;
        // A pure tone of N samples has |X|^2 = (N A / 2)^2 and energy N A^2 / 2, i.e. power = total * N / 2.
        return total == 0 ? 0 : power / (total * x.Length / 2.0);
    }

    /// <summary>Best normalized cross-correlation of <paramref name="b"/> against <paramref name="a"/> over lags 0..maxLag.</summary>
    public static (double Correlation, int Lag) BestCorrelation(ReadOnlySpan<short> a, ReadOnlySpan<short> b, int maxLag)
    {
        var best = (Correlation: double.MinValue, Lag: 0);
        for (var lag = 0; lag <= maxLag; lag++)
        {
            var n = Math.Min(a.Length, b.Length - lag);
            if (n <= 0) break;
            double ab = 0, aa = 0, bb = 0;
            for (var i = 0; i < n; i++)
            {
                double x = a[i], y = b[i + lag];
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            var c = aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
            if (c > best.Correlation) best = (c, lag);
        }
        return best;
    }

    public static void WriteWav(string path, ReadOnlySpan<short> pcm, int rate)
    {
        var data = new byte[pcm.Length * 2];
        for (var i = 0; i < pcm.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), pcm[i]);
        using var f = File.Create(path);
        var header = new byte[44];
        var h = header.AsSpan();
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], 36 + data.Length);
        "WAVEfmt "u8.CopyTo(h[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(h[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], rate);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], rate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(h[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(h[34..], 16);
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[40..], data.Length);
        f.Write(header);
        f.Write(data);
    }

    /// <summary>Reads a 16-bit PCM mono WAV (chunks other than fmt and data are skipped).</summary>
    public static (short[] Samples, int Rate) ReadWav(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var at = 12;
        var rate = 0;
        while (at + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, at, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            if (id == "fmt ")
            {
                Assert.Equal(1, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at + 10)));
                Assert.Equal(16, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at + 22)));
                rate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 12));
            }
            if (id == "data")
            {
                // Tools writing to a pipe may leave the size unset (0 or 0xFFFFFFFF): take what is there.
                var length = size <= 0 || at + 8 + size > bytes.Length ? bytes.Length - at - 8 : size;
                var samples = new short[length / 2];
                for (var i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at + 8 + i * 2));
                return (samples, rate);
            }
            at += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path}: no data chunk");
    }
}
