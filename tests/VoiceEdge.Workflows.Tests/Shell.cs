using System.Diagnostics;

namespace VoiceEdge.Workflows.Tests;

public static class Shell
{
    public static (int Exit, string Stdout, string Stderr) Run(string file, string args, IDictionary<string, string?>? env = null, string? stdin = null, string? cwd = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = cwd ?? Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
