using System.Diagnostics;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// cloud-init.yaml's <c>runcmd</c> as cloud-init runs it on first boot: the list turned into one script by
/// cloud-init's own <c>cloudinit.util.shellify</c> (the installed cloud-init; the script starts <c>#!/bin/sh</c>,
/// no <c>set -e</c>, so its status is the last command's) and run with <c>sh</c>; a non-zero status is a module
/// error that makes <c>cloud-init status</c> fail, and install.sh stops on that. The commands that need root or a
/// booted machine are stand-ins on PATH that record each call. The <c>systemctl</c> stand-in answers as systemd does
/// for a unit that is not running (Ubuntu 24.04 socket-activates sshd, so <c>ssh.service</c> is inactive at first
/// boot): <c>reload</c> exits 1, <c>is-active</c> exits 3, <c>try-reload-or-restart</c> does nothing and exits 0.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CloudInitRuncmd : IDisposable
{
    private readonly string _bin;
    private readonly string _callLog;

    public CloudInitRuncmd()
    {
        Dir = Directory.CreateTempSubdirectory("voice-edge-runcmd-").FullName;
        _bin = Path.Combine(Dir, "test-bin");
        _callLog = Path.Combine(Dir, "test-calls.log");
        Directory.CreateDirectory(_bin);
        foreach (var command in new[] { "sysctl", "install", "useradd", "chown", "apt-get" })
            Script(command, $"echo \"{command} $*\" >> \"{_callLog}\"\n");
        Script("systemctl", $$"""
            echo "systemctl $*" >> "{{_callLog}}"
            verb="$1"; shift
            unit=""; for a in "$@"; do case "$a" in -*) ;; *) unit="${a%.service}";; esac; done
            active=" ${TEST_ACTIVE_UNITS:-} "
            case "$active" in *" $unit "*) running=1;; *) running=0;; esac
            case "$verb" in
              reload|restart-if-running) [ "$running" = 1 ] || { echo "Job for $unit.service failed." >&2; exit 1; } ;;
              is-active) [ "$running" = 1 ] || { echo inactive; exit 3; }; echo active ;;
              try-reload-or-restart|try-restart) ;;
            esac
            exit 0
            """);
    }

    public string Dir { get; }

    public IReadOnlyList<string> Calls => File.Exists(_callLog) ? File.ReadAllLines(_callLog) : [];

    /// <summary>The runcmd script exactly as the installed cloud-init writes it.</summary>
    public static string Shellify(string cloudConfigPath)
    {
        var (exit, stdout, stderr) = Exec("/usr/bin/python3", null,
            "-c", "import sys, yaml; from cloudinit.util import shellify; sys.stdout.write(shellify(yaml.safe_load(open(sys.argv[1]))['runcmd']))",
            cloudConfigPath);
        Assert.True(exit == 0, $"cloud-init's shellify failed (.ci/install installs cloud-init): {stderr}");
        return stdout;
    }

    /// <summary>Runs the script with <c>sh</c>, as cloud-init's scripts-user module does; the units named are running.</summary>
    public (int Exit, string Stdout, string Stderr) Run(string script, params string[] activeUnits)
    {
        var path = Path.Combine(Dir, "runcmd");
        File.WriteAllText(path, script);
        return Exec("sh", new Dictionary<string, string>
        {
            ["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["TEST_ACTIVE_UNITS"] = string.Join(' ', activeUnits),
        }, path);
    }

    private static (int Exit, string Stdout, string Stderr) Exec(string file, IDictionary<string, string>? env, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{file} did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private void Script(string name, string body)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
