using System.Globalization;
using CsCheck;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// How property tests pick their cases. In CI (no variables set) every property runs a fixed, modest number of
/// cases drawn from one fixed seed, so a run is repeatable. <c>RELAY_PROPERTY_ITERATIONS</c> sets the cases per
/// property; <c>RELAY_PROPERTY_SEED=random</c> hands the run to CsCheck's sampler with a fresh seed, which shrinks
/// a failure and prints the seed that reproduces it (<c>RELAY_PROPERTY_SEED=&lt;that seed&gt;</c> replays it).
/// </summary>
public static class PropertyRun
{
    public const string FixedSeed = "baVjsZNmUcb1";

    private static string? SeedSetting => Environment.GetEnvironmentVariable("RELAY_PROPERTY_SEED") is { Length: > 0 } s ? s : null;

    public static long Iterations(long ciCases) =>
        Environment.GetEnvironmentVariable("RELAY_PROPERTY_ITERATIONS") is { Length: > 0 } v ? long.Parse(v, CultureInfo.InvariantCulture) : ciCases;

    private static bool Random => string.Equals(SeedSetting, "random", StringComparison.OrdinalIgnoreCase);

    public static void ForAll<T>(Gen<T> gen, Action<T> property, long ciCases, Func<T, string>? print = null)
    {
        if (Random)
        {
            var ran = 0L;
            gen.Sample(value => { Interlocked.Increment(ref ran); property(value); }, iter: Iterations(ciCases), threads: 1, print: print);
            Report(ran);
            return;
        }
        foreach (var (value, label) in Cases(gen, ciCases))
        {
            try { property(value); }
            catch (Exception e) { throw Failed(label, value, print, e); }
        }
    }

    public static async Task ForAllAsync<T>(Gen<T> gen, Func<T, Task> property, long ciCases, Func<T, string>? print = null)
    {
        if (Random)
        {
            var ran = 0L;
            await gen.SampleAsync(async value => { Interlocked.Increment(ref ran); await property(value); }, iter: Iterations(ciCases), threads: 1, print: print);
            Report(ran);
            return;
        }
        foreach (var (value, label) in Cases(gen, ciCases))
        {
            try { await property(value); }
            catch (Exception e) { throw Failed(label, value, print, e); }
        }
    }

    /// <summary>Written to the test output (visible with <c>--logger "console;verbosity=normal"</c>): the cases that really ran.</summary>
    private static void Report(long ran) => Console.WriteLine($"property run: {ran} random cases passed");

    private static IEnumerable<(T Value, string Label)> Cases<T>(Gen<T> gen, long ciCases)
    {
        var seed = SeedSetting ?? FixedSeed;
        var pcg = PCG.Parse(seed);
        var iterations = Iterations(ciCases);
        for (var i = 0L; i < iterations; i++) yield return (gen.Generate(pcg, null!, out _), $"case {i + 1} of {iterations}, seed {seed}");
    }

    private static Xunit.Sdk.XunitException Failed<T>(string label, T value, Func<T, string>? print, Exception inner) =>
        new Xunit.Sdk.XunitException($"property failed at {label}: {(print is null ? Check.Print(value) : print(value))}\n{inner}");
}
