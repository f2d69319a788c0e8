namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// A fact that needs command-line tools (opus-tools, sox, espeak-ng; installed by .ci/install). Where one is
/// missing the test is reported as skipped with the reason, never silently passed.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(t => Tools.Find(t) is null).ToArray();
        if (missing.Length > 0) Skip = $"needs {string.Join(", ", missing)} on PATH (apt-get install opus-tools sox espeak-ng; see .ci/install)";
    }
}

public static class Tools
{
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    /// <summary>Runs a tool to completion (bounded); fails the test with its stderr when it exits non-zero.</summary>
    public static void Run(string tool, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Find(tool) ?? tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(true);
            Assert.Fail($"{tool} did not finish in 30 s");
        }
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}{stdout.Result}");
    }
}
