using CsCheck;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// How the property tests run. CI: the same cases every run (case i is generated from PCG seed i), so a red run
/// is repeatable and never flaky. A longer search with fresh random seeds and shrinking:
/// `VOICE_EDGE_FUZZ_ITER=10000 VOICE_EDGE_FUZZ_RANDOM=1 dotnet test tests/VoiceEdge.Infra.Tests --filter HostileConfig`
/// (infra/README.md records the last result).
/// </summary>
public static class Fuzz
{
    public static long Iterations(long ciDefault) =>
        long.TryParse(Environment.GetEnvironmentVariable("VOICE_EDGE_FUZZ_ITER"), out var n) && n > 0 ? n : ciDefault;

    private static bool Random => Environment.GetEnvironmentVariable("VOICE_EDGE_FUZZ_RANDOM") == "1";

    public static void Check<T>(Gen<T> gen, Action<T> property, long ciIterations)
    {
        var iterations = Iterations(ciIterations);
        if (Random)
        {
            gen.Sample(property, iter: iterations, threads: 1, print: Shorten);
            return;
        }
        for (ulong i = 0; i < (ulong)iterations; i++)
        {
            var pcg = new PCG(1, i);
            var seed = pcg.ToString();
            var value = gen.Generate(pcg, null, out _);
            try
            {
                property(value);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"fixed case {i} failed (shrink it with CsCheck_Seed={seed} and VOICE_EDGE_FUZZ_RANDOM=1): {Shorten(value)}", e);
            }
        }
    }

    /// <summary>Failing inputs can be megabytes; the report shows their start and their length.</summary>
    private static string Shorten<T>(T value)
    {
        var text = CsCheck.Check.Print(value);
        return text.Length <= 2_000 ? text : $"{text[..2_000]}... ({text.Length} characters)";
    }
}
