using System.Numerics;

namespace VoiceEdge.Bench.LoadGen;

/// <summary>Round-trip times in microseconds: exact below 2,048 µs, then 1,024 buckets per power of two (under 0.1% error).</summary>
public sealed class Histogram
{
    private const int Linear = 2048;
    private const int SubBuckets = 1024;
    private readonly long[] _counts = new long[Linear + 40 * SubBuckets];

    public void Record(long micros)
    {
        if (micros < 0) micros = 0;
        Interlocked.Increment(ref _counts[Index(micros)]);
    }

    public long Count => _counts.Sum();

    public double Percentile(double p)
    {
        var total = Count;
        if (total == 0) return double.NaN;
        var rank = (long)Math.Ceiling(p / 100 * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(rank, 1)) return ValueAt(i);
        }
        return ValueAt(_counts.Length - 1);
    }

    private static int Index(long v)
    {
        if (v < Linear) return (int)v;
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)v) - 10;
        return Math.Min(Linear + (shift - 1) * SubBuckets + (int)((v >> shift) - SubBuckets), Linear + 40 * SubBuckets - 1);
    }

    private static long ValueAt(int index)
    {
        if (index < Linear) return index;
        var shift = (index - Linear) / SubBuckets + 1;
        return (long)((index - Linear) % SubBuckets + SubBuckets) << shift;
    }
}
