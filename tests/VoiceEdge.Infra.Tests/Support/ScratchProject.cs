using System.Diagnostics;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// A copy of the Pulumi project (stack files, stacks/) in a temp folder with small real artifacts, so the
/// compiler runs as Pulumi runs it: a separate process in the project folder.
/// </summary>
public sealed class ScratchProject : IDisposable
{
    public const string WorkerSource = "export default { async fetch() { return new Response(`voice-edge ${1 + 1}`); } };\n";

    public string Dir { get; } = Directory.CreateTempSubdirectory("voice-edge-infra-").FullName;

    public ScratchProject(bool withWorker = true)
    {
        foreach (var file in Directory.EnumerateFiles(Repo.Root, "Pulumi*.yaml"))
            File.Copy(file, Path.Combine(Dir, Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(Dir, "stacks"));
        foreach (var file in Directory.EnumerateFiles(Repo.Path("stacks")))
            File.Copy(file, Path.Combine(Dir, "stacks", Path.GetFileName(file)));
        if (withWorker) Write("worker-src/dist/worker.js", WorkerSource);
        Write("worker-src/wrangler.jsonc", File.ReadAllText(Repo.Path("worker-src", "wrangler.jsonc")));
        Write("relay/deploy/cloud-init.yaml", "#cloud-config\npackages: [caddy]\n");
        Write("relay/deploy/package.sh", "dotnet publish \"$(dirname \"$0\")/..\" -o \"$1\" >&2\n");
        Write("relay/deploy/run-command.sh", "echo fetch and install >&2\n");
        Write("relay/deploy/install.sh", "echo install >&2\n");
        Write("relay/Program.cs", "// relay\n");
    }

    public void Write(string relativePath, string content)
    {
        var path = Path.Combine(Dir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Delete(string relativePath) => File.Delete(Path.Combine(Dir, relativePath));

    /// <summary>Runs the built compiler (voice-edge-infra.dll) with these arguments and environment.</summary>
    public CliResult Run(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "voice-edge-infra.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in new[] { "PULUMI_STACK", "PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_ORGANIZATION", "PULUMI_CONFIG_SECRET_KEYS" })
            start.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the compiler did not exit within 60 s");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);
