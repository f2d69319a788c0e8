using System.Diagnostics;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A relay VM's file system in a temp folder, for running the real install.sh and run-command.sh unprivileged
/// (they prefix every path with VOICE_EDGE_ROOT). The system commands they call that need root or a booted
/// machine (systemctl, cloud-init, useradd, chown) are stand-ins on PATH that record each call, in order, so
/// tests can assert what was restarted and what was left alone.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class VmRoot : IDisposable
{
    private readonly string _bin;
    private readonly string _callLog;

    public VmRoot()
    {
        Dir = Directory.CreateTempSubdirectory("voice-edge-vm-").FullName;
        _bin = Path.Combine(Dir, "test-bin");
        _callLog = Path.Combine(Dir, "test-calls.log");
        Directory.CreateDirectory(_bin);
        foreach (var command in new[] { "systemctl", "useradd", "chown" })
            Script(command, $"echo \"{command} $*\" >> \"{_callLog}\"\n");
        Script("cloud-init", $"echo \"cloud-init $*\" >> \"{_callLog}\"\nexit \"${{TEST_CLOUD_INIT_EXIT:-0}}\"\n");
    }

    public string Dir { get; }

    public string At(params string[] parts) => Path.Combine([Dir, .. parts]);

    public string Incoming => At("opt", "voice-edge", "incoming", "relay");

    public string Installed => At("opt", "voice-edge", "relay");

    /// <summary>Every recorded call since the last <see cref="ClearCalls"/>.</summary>
    public IReadOnlyList<string> Calls => File.Exists(_callLog) ? File.ReadAllLines(_callLog) : [];

    public void ClearCalls() => File.Delete(_callLog);

    /// <summary>Restarts, reloads, stops and starts of a unit (enable and status queries leave it running).</summary>
    public IReadOnlyList<string> Disruptions(string unit) => [.. Calls.Where(c =>
        c.StartsWith("systemctl ", StringComparison.Ordinal) && c.Contains(unit, StringComparison.Ordinal)
        && c.Split(' ')[1] is "restart" or "reload" or "reload-or-restart" or "try-restart" or "stop" or "start" or "kill")];

    /// <summary>A package like package.sh makes: a stand-in relay executable plus the real deploy files.</summary>
    public static void WritePackage(string dir, string relayBuild = "build-1", string caddyExtra = "")
    {
        Directory.CreateDirectory(Path.Combine(dir, "deploy"));
        File.WriteAllText(Path.Combine(dir, "voice-edge-relay"), "#!/bin/sh\necho stand-in relay\n");
        File.SetUnixFileMode(Path.Combine(dir, "voice-edge-relay"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(dir, "voice-edge-relay.dll"), relayBuild);
        foreach (var file in new[] { "install.sh", "voice-edge-relay.service", "Caddyfile" })
            File.Copy(DeployFile(file), Path.Combine(dir, "deploy", file));
        if (caddyExtra.Length > 0) File.AppendAllText(Path.Combine(dir, "deploy", "Caddyfile"), caddyExtra);
    }

    public static string DeployFile(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "relay", "deploy", file);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"relay/deploy/{file}");
    }

    /// <summary>Runs a script of the package with the VM's environment; returns its exit code, stdout and stderr.</summary>
    public (int Exit, string Stdout, string Stderr) Run(string script, string args, string? stdin, IDictionary<string, string> env)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) start.ArgumentList.Add(arg);
        start.Environment["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["VOICE_EDGE_ROOT"] = Dir;
        start.Environment["TMPDIR"] = At("tmp");
        Directory.CreateDirectory(At("tmp"));
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The script stopped before reading its input (an early failure): its exit code tells the test.
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private void Script(string name, string body)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
