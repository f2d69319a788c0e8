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
        foreach (var command in new[] { "useradd", "chown" })
            Script(command, $"echo \"{command} $*\" >> \"{_callLog}\"\n");
        // systemd as far as install.sh asks it: each unit's state in test-units/<unit>; start makes a unit active,
        // stop inactive (deactivating with --no-block: a relay handing over its calls); is-active prints the state
        // and exits 0 only when active. A relay instance that starts becomes the one serving (test-serving, what
        // the health stand-in answers as its build) unless TEST_RELAY_BROKEN=1: then it never serves and systemd
        // keeps restarting it (activating). TEST_RELAY_START_FAILS=1: systemctl start of a relay instance fails.
        var units = At("test-units");
        var serving = At("test-serving");
        Directory.CreateDirectory(units);
        Script("systemctl", $$"""
            echo "systemctl $*" >> "{{_callLog}}"
            verb="$1"; shift
            noblock=0; now=0; list=()
            for a in "$@"; do case "$a" in --no-block) noblock=1 ;; --now) now=1 ;; -*) ;; *) list+=("$a") ;; esac; done
            set_state() { printf '%s\n' "$2" > "{{units}}/$1"; }
            state() { cat "{{units}}/$1" 2>/dev/null || echo inactive; }
            start_unit() {
              case "$1" in
                voice-edge-relay@*.service)
                  if [ "${TEST_RELAY_START_FAILS:-0}" = 1 ]; then echo "Job for $1 failed." >&2; return 1; fi
                  if [ "${TEST_RELAY_BROKEN:-0}" = 1 ]; then set_state "$1" activating; return 0; fi
                  set_state "$1" active; b="${1#voice-edge-relay@}"; printf '%s' "${b%.service}" > "{{serving}}" ;;
                *) set_state "$1" active ;;
              esac
            }
            rc=0
            for u in "${list[@]}"; do
              case "$verb" in
                start|restart) start_unit "$u" || rc=1 ;;
                enable) [ "$now" = 0 ] || start_unit "$u" || rc=1 ;;
                stop) if [ "$noblock" = 1 ]; then set_state "$u" deactivating; else set_state "$u" inactive; fi ;;
                disable) [ "$now" = 0 ] || set_state "$u" inactive ;;
                is-active) s="$(state "$u")"; echo "$s"; [ "$s" = active ] || rc=3 ;;
              esac
            done
            exit "$rc"
            """);
        Script("cloud-init", $"echo \"cloud-init $*\" >> \"{_callLog}\"\nexit \"${{TEST_CLOUD_INIT_EXIT:-0}}\"\n");
    }

    public string Dir { get; }

    public string At(params string[] parts) => Path.Combine([Dir, .. parts]);

    public string Incoming => At("opt", "voice-edge", "incoming", "relay");

    public string Installed => At("opt", "voice-edge", "relay");

    /// <summary>The release the systemctl stand-in last started and that serves (the health stand-in's build).</summary>
    public string ServingBuild => File.Exists(At("test-serving")) ? File.ReadAllText(At("test-serving")) : "none";

    /// <summary>A unit's state as the systemctl stand-in keeps it.</summary>
    public string UnitState(string unit) => File.Exists(At("test-units", unit)) ? File.ReadAllText(At("test-units", unit)).Trim() : "inactive";

    /// <summary>The release install.sh last made current (/opt/voice-edge/relay/current).</summary>
    public string CurrentRelease => File.ReadAllText(At("opt", "voice-edge", "relay", "current")).Trim();

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
        foreach (var file in new[] { "install.sh", "voice-edge-relay@.service", "voice-edge-relay.socket", "voice-edge-relay-activate.service", "Caddyfile" })
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
