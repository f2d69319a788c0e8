using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>What the VM runs: cloud-init, the systemd unit, the Caddyfile, and the published relay itself.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DeployFilesTests
{
    private static string Deploy(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "relay", "deploy", file);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"relay/deploy/{file}");
    }

    private static (int Exit, string Output) Run(string file, string args, IDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"`{file}` is not installed: .ci/install installs it (apt-get install cloud-init)");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)), $"{file} {args} did not finish");
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    [Fact]
    public void Cloud_init_passes_cloud_init_schema()
    {
        var (exit, output) = Run("cloud-init", $"schema --config-file {Deploy("cloud-init.yaml")}");
        Assert.True(exit == 0, output);
        Assert.Contains("Valid", output);
        var text = File.ReadAllText(Deploy("cloud-init.yaml"));
        Assert.StartsWith("#cloud-config", text);
        Assert.Contains("- caddy", text);
        Assert.Contains("- libopus-dev", text); // the phone bridge's native Opus (Concentus looks for libopus.so)
        Assert.Contains("PasswordAuthentication no", text);
    }

    [Fact]
    public void First_boot_runcmd_succeeds_with_ssh_socket_activated_and_not_running()
    {
        using var boot = new CloudInitRuncmd();
        var script = CloudInitRuncmd.Shellify(Deploy("cloud-init.yaml"));
        Assert.StartsWith("#!/bin/sh", script);

        var (exit, _, stderr) = boot.Run(script); // Ubuntu 24.04 at first boot: ssh.service inactive (ssh.socket listens)

        Assert.True(exit == 0, $"runcmd exits {exit} (cloud-init reports an error, install.sh stops): {stderr}\n{string.Join('\n', boot.Calls)}");
        Assert.Contains("systemctl enable --now caddy", boot.Calls);
        Assert.Contains(boot.Calls, c => c.StartsWith("systemctl ", StringComparison.Ordinal) && c.Contains("ssh", StringComparison.Ordinal));
    }

    [Fact]
    public void First_boot_runcmd_reloads_a_running_sshd_so_the_drop_in_applies()
    {
        using var boot = new CloudInitRuncmd();
        var (exit, _, stderr) = boot.Run(CloudInitRuncmd.Shellify(Deploy("cloud-init.yaml")), "ssh");
        Assert.True(exit == 0, stderr);
        Assert.Contains(boot.Calls, c => c is "systemctl try-reload-or-restart ssh.service" or "systemctl reload ssh");
    }

    private static Dictionary<string, List<string>> Directives(string file) => File.ReadAllLines(Deploy(file))
        .Where(l => l.Contains('=') && !l.StartsWith('#'))
        .Select(l => l.Split('=', 2))
        .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Select(p => p[1]).ToList());

    [Fact]
    public void The_relay_template_unit_is_hardened_restarts_on_failure_and_serves_the_shared_socket_as_its_build()
    {
        var directives = Directives("voice-edge-relay@.service");
        Assert.Equal("voice-edge", directives["User"].Single());
        Assert.Equal("true", directives["NoNewPrivileges"].Single());
        Assert.Equal("strict", directives["ProtectSystem"].Single());
        Assert.Equal("true", directives["PrivateTmp"].Single());
        Assert.Equal("on-failure", directives["Restart"].Single());
        Assert.Equal("SIGTERM", directives["KillSignal"].Single());
        Assert.Equal("mixed", directives["KillMode"].Single());
        Assert.Equal("exec", directives["Type"].Single());
        Assert.Equal("/etc/voice-edge/relay-%i.env", directives["EnvironmentFile"].Single());
        Assert.Equal("voice-edge-relay.socket", directives["Sockets"].Single());
        Assert.Contains("Relay__Build=%i", directives["Environment"]);
        Assert.DoesNotContain(directives["Environment"], e => e.StartsWith("ASPNETCORE_URLS", StringComparison.Ordinal));
        Assert.Equal("/opt/voice-edge/relay/builds/%i/voice-edge-relay", directives["ExecStart"].Single());
        Assert.Equal("/opt/voice-edge/relay/builds/%i", directives["WorkingDirectory"].Single());
        // On the inherited socket SIGTERM hands over: open calls last up to HandoverMaxMinutes, then 1012, and
        // Kestrel's shutdown is bounded by the cap + 30 s. A shorter stop timeout would SIGKILL calls mid-hand-over.
        var options = new VoiceEdge.Relay.Hosting.RelayOptions();
        Assert.True(int.Parse(directives["TimeoutStopSec"].Single(), System.Globalization.CultureInfo.InvariantCulture) > options.HandoverMaxMinutes * 60 + 30,
            "the stop timeout must exceed the hand-over cap plus Kestrel's 30 s");
        Assert.True(options.HandoverMaxMinutes * 60 > options.DrainGraceSeconds + 10);
    }

    [Fact]
    public void The_socket_unit_listens_where_caddy_proxies_and_triggers_a_loadable_service()
    {
        var directives = Directives("voice-edge-relay.socket");
        Assert.Equal("127.0.0.1:8999", directives["ListenStream"].Single());
        Assert.Equal("false", directives["Accept"].Single());
        // systemd refuses to start a socket whose Service= is not loaded (a template cannot be one).
        Assert.Equal("voice-edge-relay-activate.service", directives["Service"].Single());
        Assert.True(File.Exists(Deploy("voice-edge-relay-activate.service")));
        Assert.Contains("/opt/voice-edge/relay/current", Directives("voice-edge-relay-activate.service")["ExecStart"].Single());
    }

    /// <summary>
    /// systemd's own check of the three units, as an instance of the template: everything but the relay's
    /// executable, which exists only on the VM, must pass.
    /// </summary>
    [Fact]
    public void The_units_pass_systemd_analyze_verify()
    {
        var dir = Directory.CreateTempSubdirectory("voice-edge-units-").FullName;
        try
        {
            File.Copy(Deploy("voice-edge-relay@.service"), Path.Combine(dir, "voice-edge-relay@0123456789abcdef-01234567.service"));
            File.Copy(Deploy("voice-edge-relay.socket"), Path.Combine(dir, "voice-edge-relay.socket"));
            File.Copy(Deploy("voice-edge-relay-activate.service"), Path.Combine(dir, "voice-edge-relay-activate.service"));
            var (_, output) = Run("systemd-analyze",
                $"verify {dir}/voice-edge-relay@0123456789abcdef-01234567.service {dir}/voice-edge-relay.socket {dir}/voice-edge-relay-activate.service", timeoutSeconds: 120);
            var problems = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l != "voice-edge-relay@0123456789abcdef-01234567.service: Command /opt/voice-edge/relay/builds/0123456789abcdef-01234567/voice-edge-relay is not executable: No such file or directory")
                .ToList();
            Assert.True(problems.Count == 0, string.Join('\n', problems));
            Assert.Contains("/opt/voice-edge/relay/builds/0123456789abcdef-01234567/voice-edge-relay", output); // %i expanded: the check did run
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Caddy_proxies_the_ws_host_to_the_relay_on_loopback()
    {
        var text = File.ReadAllText(Deploy("Caddyfile"));
        Assert.Contains("{$VOICE_EDGE_WS_HOST} {", text);
        Assert.Contains("reverse_proxy 127.0.0.1:8999", text);
        Assert.Contains("VOICE_EDGE_WS_HOST=", File.ReadAllText(Deploy("install.sh")));
    }

    /// <summary>
    /// Twilio posts the voice webhook (https://ws-host/twilio/voice, the twilioVoiceWebhookUrl output) and status
    /// callbacks (/twilio/status) to the ws host: Caddy must hand every path and method to the relay, so the site has
    /// one reverse_proxy without a matcher and nothing (handle, route, respond, a named matcher) that could answer first.
    /// </summary>
    [Fact]
    public void Caddy_hands_every_path_including_the_twilio_webhooks_to_the_relay()
    {
        var directives = File.ReadAllLines(Deploy("Caddyfile"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(["reverse_proxy 127.0.0.1:8999 {"], directives.Where(l => l.StartsWith("reverse_proxy", StringComparison.Ordinal)));
        foreach (var restricting in new[] { "handle", "route", "respond", "redir", "rewrite", "uri", "@", "method", "path", "abort", "error" })
            Assert.DoesNotContain(directives, l => l.StartsWith(restricting, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("install.sh")]
    [InlineData("publish.sh")]
    [InlineData("package.sh")]
    [InlineData("run-command.sh")]
    public void Deploy_scripts_parse(string script)
    {
        var (exit, output) = Run("bash", $"-n {Deploy(script)}");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task The_packaged_relay_unpacks_with_its_deploy_files_starts_and_serves_health()
    {
        var outDir = Directory.CreateTempSubdirectory("voice-edge-package-").FullName;
        try
        {
            var (exit, output) = Run("bash", $"{Deploy("package.sh")} {outDir}/package");
            Assert.True(exit == 0, output);
            // stdout is the archive's path and nothing else: the deploy's blob reads the file it names.
            var archive = Path.Combine(outDir, "package", "voice-edge-relay.tar.gz");
            Assert.StartsWith(archive, output, StringComparison.Ordinal);
            Assert.True(File.Exists(archive));
            var unpacked = Path.Combine(outDir, "relay");
            Directory.CreateDirectory(unpacked);
            (exit, output) = Run("tar", $"-xzf {archive} -C {unpacked}");
            Assert.True(exit == 0, output);
            Assert.True(File.Exists(Path.Combine(unpacked, "voice-edge-relay")), "self-contained executable");
            foreach (var file in new[] { "install.sh", "voice-edge-relay@.service", "voice-edge-relay.socket", "voice-edge-relay-activate.service", "Caddyfile" })
                Assert.Equal(File.ReadAllText(Deploy(file)), File.ReadAllText(Path.Combine(unpacked, "deploy", file)));

            await using var upstream = await EchoUpstream.StartAsync();
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var start = new ProcessStartInfo(Path.Combine(unpacked, "voice-edge-relay"), $"--urls http://127.0.0.1:{port}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = unpacked,
            };
            start.Environment["Relay__Upstream"] = upstream.ChatUri.ToString();
            start.Environment["Relay__TwilioUpstream"] = upstream.TwilioUri.ToString();
            start.Environment["Relay__SigningKey"] = "published-relay-test-key";
            start.Environment["Relay__PublicBaseUrl"] = "wss://ws.example.test";
            using var relay = Process.Start(start)!;
            _ = relay.StandardOutput.ReadToEndAsync();
            _ = relay.StandardError.ReadToEndAsync();
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow.AddSeconds(60);
                HttpStatusCode? status = null;
                while (DateTime.UtcNow < deadline && status != HttpStatusCode.OK)
                {
                    try { status = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"))).StatusCode; }
                    catch (HttpRequestException) { await Task.Delay(200); }
                }
                Assert.Equal(HttpStatusCode.OK, status);
            }
            finally
            {
                relay.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void A_relay_without_a_signing_key_refuses_to_start_and_says_which_setting()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "voice-edge-relay.dll");
        var (exit, output) = Run("dotnet", $"{dll} --urls http://127.0.0.1:0",
            new Dictionary<string, string> { ["Relay__SigningKey"] = "", ["Relay__Upstream"] = "ws://127.0.0.1:1/x", ["Relay__TwilioUpstream"] = "ws://127.0.0.1:1/y", ["Relay__PublicBaseUrl"] = "wss://x.test" }, 60);
        Assert.Equal(2, exit);
        Assert.Contains("SigningKey", output);
    }

    private const string Secret = "SENTINEL-signing-key-7d2e";
    private const string TwilioSecret = "SENTINEL-twilio-token-7d2e";
    private const string SharedKeySecret = "SENTINEL-shared-key-4b9c";

    private static string RelayEnv(string signingKey = Secret) =>
        $"Relay__Backends__0__Url=wss://gpu.example.test/api/chat\nRelay__SigningKey={signingKey}\nRelay__TwilioAuthToken={TwilioSecret}\nNotRelay=dropped\n";

    private static (int Exit, string Stdout, string Stderr) Install(VmRoot vm, DeployStandIns relay, string env, int liveWait = 10, Dictionary<string, string>? extra = null)
    {
        var script = Path.Combine(vm.Incoming, "deploy", "install.sh");
        relay.Build = () => vm.ServingBuild; // the relay that serves answers /health/live with its build
        var environment = new Dictionary<string, string>
        {
            ["VOICE_EDGE_RELAY_URL"] = relay.BaseUri.ToString().TrimEnd('/'),
            ["VOICE_EDGE_LIVE_WAIT_SECONDS"] = liveWait.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in extra ?? []) environment[k] = v;
        return vm.Run(script, "ws.example.test", env, environment);
    }

    private static string RelayUnit(string release) => $"voice-edge-relay@{release}.service";

    [Fact]
    public async Task First_install_waits_for_cloud_init_then_installs_starts_both_and_reports_an_unready_backend_without_failing()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        VmRoot.WritePackage(vm.Incoming);

        var (exit, stdout, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        Assert.Equal("cloud-init status --wait", vm.Calls[0]);
        Assert.Contains("systemctl daemon-reload", vm.Calls);
        var release = vm.CurrentRelease;
        Assert.Matches("^[0-9a-f]{16}-[0-9a-f]{8}$", release);
        Assert.Contains("systemctl enable --now --quiet voice-edge-relay.socket", vm.Calls);
        Assert.Equal([$"systemctl start {RelayUnit(release)}"], vm.Disruptions("voice-edge-relay"));
        Assert.Contains($"systemctl enable --quiet {RelayUnit(release)}", vm.Calls);
        Assert.Equal("active", vm.UnitState(RelayUnit(release)));
        Assert.Equal(["systemctl restart caddy.service"], vm.Disruptions("caddy"));
        Assert.Contains("NOT READY (HTTP 503)", stdout);
        Assert.Contains("upstream-unreachable", stdout);

        var envFile = vm.At("etc", "voice-edge", "relay.env");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(envFile));
        Assert.Equal(["Relay__Backends__0__Url=wss://gpu.example.test/api/chat", $"Relay__SigningKey={Secret}", $"Relay__TwilioAuthToken={TwilioSecret}"], File.ReadAllLines(envFile));
        Assert.Contains("Environment=VOICE_EDGE_WS_HOST=ws.example.test", File.ReadAllText(vm.At("etc", "systemd", "system", "caddy.service.d", "voice-edge.conf")));
        Assert.Equal(File.ReadAllText(Deploy("Caddyfile")), File.ReadAllText(vm.At("etc", "caddy", "Caddyfile")));
        foreach (var unit in new[] { "voice-edge-relay@.service", "voice-edge-relay.socket", "voice-edge-relay-activate.service" })
            Assert.Equal(File.ReadAllText(Deploy(unit)), File.ReadAllText(vm.At("etc", "systemd", "system", unit)));
        Assert.False(File.Exists(vm.At("etc", "systemd", "system", "voice-edge-relay.service")));
        Assert.True(File.Exists(Path.Combine(vm.Installed, "builds", release, "voice-edge-relay")));
        Assert.Equal(File.ReadAllLines(envFile), File.ReadAllLines(vm.At("etc", "voice-edge", $"relay-{release}.env")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(vm.At("etc", "voice-edge", $"relay-{release}.env")));
        Assert.False(Directory.Exists(vm.Incoming));
        Assert.DoesNotContain(Secret, stdout + stderr);
    }

    /// <summary>A first, successful install of <paramref name="relayBuild"/>; the calls it made are forgotten, so a test sees only the redeploy's.</summary>
    private static void InstallFirst(VmRoot vm, DeployStandIns relay, string relayBuild = "build-1")
    {
        VmRoot.WritePackage(vm.Incoming, relayBuild);
        Assert.Equal(0, Install(vm, relay, RelayEnv()).Exit);
        vm.ClearCalls();
    }

    [Fact]
    public async Task Redeploying_the_same_relay_touches_neither_caddy_nor_the_relay()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay);

        VmRoot.WritePackage(vm.Incoming);
        var (exit, _, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        Assert.Empty(vm.Disruptions("caddy"));
        Assert.Empty(vm.Disruptions("voice-edge-relay"));
        Assert.DoesNotContain("systemctl daemon-reload", vm.Calls);
        Assert.Contains("relay unchanged (release", stderr);
        Assert.DoesNotContain(vm.Calls, c => c.StartsWith("systemctl enable", StringComparison.Ordinal) || c.StartsWith("systemctl disable", StringComparison.Ordinal));
        Assert.Contains("Caddy not touched", stderr);
    }

    [Fact]
    public async Task A_new_relay_build_starts_beside_the_old_one_which_then_hands_over_without_blocking_the_deploy()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay, "build-1");
        var old = vm.CurrentRelease;

        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-2");
        var (exit, _, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        var release = vm.CurrentRelease;
        Assert.NotEqual(old, release);
        // First the new release, and only once it serves, the old one: --no-block, since it keeps its calls until they end.
        Assert.Equal([$"systemctl start {RelayUnit(release)}", $"systemctl stop --no-block {RelayUnit(old)}"], vm.Disruptions("voice-edge-relay"));
        var calls = vm.Calls.ToList();
        Assert.True(calls.IndexOf($"systemctl enable --quiet {RelayUnit(release)}") < calls.IndexOf($"systemctl stop --no-block {RelayUnit(old)}"));
        Assert.Contains($"systemctl disable --quiet {RelayUnit(old)}", calls);
        Assert.DoesNotContain(calls, c => c.Contains("voice-edge-relay.socket", StringComparison.Ordinal) && !c.Contains("enable --now", StringComparison.Ordinal));
        Assert.Equal("deactivating", vm.UnitState(RelayUnit(old)));
        Assert.Empty(vm.Disruptions("caddy"));
        Assert.Contains($"handing over from {old}", stderr);
        Assert.Equal("build-2", File.ReadAllText(Path.Combine(vm.Installed, "builds", release, "voice-edge-relay.dll")));
        Assert.Equal("build-1", File.ReadAllText(Path.Combine(vm.Installed, "builds", old, "voice-edge-relay.dll")));
        Assert.Equal(old, File.ReadAllText(Path.Combine(vm.Installed, "previous")).Trim());
    }

    [Fact]
    public async Task A_rollback_is_the_same_hand_over_backwards_and_old_builds_are_pruned_once_they_stopped()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay, "build-1");
        var first = vm.CurrentRelease;
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-2");
        Assert.Equal(0, Install(vm, relay, RelayEnv()).Exit);
        var second = vm.CurrentRelease;
        File.WriteAllText(vm.At("test-units", RelayUnit(first)), "inactive\n"); // its last call ended: it exited
        vm.ClearCalls();

        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-1");
        var (exit, _, stderr) = Install(vm, relay, RelayEnv());
        Assert.True(exit == 0, stderr);
        Assert.Equal(first, vm.CurrentRelease);
        Assert.Equal([$"systemctl start {RelayUnit(first)}", $"systemctl stop --no-block {RelayUnit(second)}"], vm.Disruptions("voice-edge-relay"));

        // A third build while the second still hands over: three releases, the second one's build kept while it runs.
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-3");
        Assert.Equal(0, Install(vm, relay, RelayEnv()).Exit);
        var third = vm.CurrentRelease;
        Assert.Equal("deactivating", vm.UnitState(RelayUnit(second)));
        Assert.True(Directory.Exists(Path.Combine(vm.Installed, "builds", second)), "a release still handing over keeps its build");

        File.WriteAllText(vm.At("test-units", RelayUnit(second)), "inactive\n");
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-4");
        (exit, _, stderr) = Install(vm, relay, RelayEnv());
        Assert.True(exit == 0, stderr);
        // Kept: the current, the previous (third) and the first, still handing over since build-3 took its place.
        Assert.Equal(new[] { first, third, vm.CurrentRelease }.Order(), Directory.GetDirectories(Path.Combine(vm.Installed, "builds")).Select(d => Path.GetFileName(d)!).Order());
        Assert.False(Directory.Exists(Path.Combine(vm.Installed, "builds", second)), "a stopped release that is neither current nor previous is pruned");
        Assert.False(File.Exists(vm.At("etc", "voice-edge", $"relay-{second}.env")));
    }

    [Fact]
    public async Task A_new_build_that_never_serves_is_stopped_the_old_one_keeps_serving_and_the_deploy_fails_with_the_reason()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay, "build-1");
        var old = vm.CurrentRelease;

        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-2");
        var (exit, _, stderr) = Install(vm, relay, RelayEnv(), liveWait: 2, extra: new() { ["TEST_RELAY_BROKEN"] = "1" });

        Assert.Equal(1, exit);
        var broken = Assert.Single(vm.Calls, c => c.StartsWith("systemctl start voice-edge-relay@", StringComparison.Ordinal))["systemctl start ".Length..];
        Assert.Equal([$"systemctl start {broken}", $"systemctl stop --no-block {broken}"], vm.Disruptions("voice-edge-relay"));
        Assert.Contains($"did not serve within 2 s (systemd state: activating", stderr);
        Assert.Contains($"release {old} keeps serving", stderr);
        Assert.Contains($"journalctl -u {broken}", stderr);
        Assert.Equal("active", vm.UnitState(RelayUnit(old)));
        Assert.Equal(old, vm.CurrentRelease);
        Assert.DoesNotContain(vm.Calls, c => c.Contains($"disable --quiet {RelayUnit(old)}", StringComparison.Ordinal));

        // A start that systemd itself refuses fails the same way.
        vm.ClearCalls();
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-3");
        (exit, _, stderr) = Install(vm, relay, RelayEnv(), liveWait: 2, extra: new() { ["TEST_RELAY_START_FAILS"] = "1" });
        Assert.Equal(1, exit);
        Assert.Contains("systemctl start failed", stderr);
        Assert.Equal("active", vm.UnitState(RelayUnit(old)));
        Assert.DoesNotContain(vm.Calls, c => c.Contains(old, StringComparison.Ordinal) && c.Contains("stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_first_deploy_on_a_vm_with_the_single_unit_stops_it_through_its_drain_then_switches_to_the_socket()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        var legacyUnit = vm.At("etc", "systemd", "system", "voice-edge-relay.service");
        Directory.CreateDirectory(Path.GetDirectoryName(legacyUnit)!);
        File.WriteAllText(legacyUnit, "[Service]\nExecStart=/opt/voice-edge/relay/voice-edge-relay\n");
        Directory.CreateDirectory(vm.Installed);
        File.WriteAllText(Path.Combine(vm.Installed, "voice-edge-relay"), "legacy");
        Directory.CreateDirectory(vm.Installed + ".previous");
        File.WriteAllText(vm.At("test-units", "voice-edge-relay.service"), "active\n");
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-2");

        var (exit, _, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        var release = vm.CurrentRelease;
        var calls = vm.Calls.ToList();
        Assert.True(calls.IndexOf("systemctl stop voice-edge-relay.service") < calls.IndexOf("systemctl enable --now --quiet voice-edge-relay.socket"), "the single unit holds the port: it stops first");
        Assert.True(calls.IndexOf("systemctl enable --now --quiet voice-edge-relay.socket") < calls.IndexOf($"systemctl start {RelayUnit(release)}"));
        Assert.Contains("systemctl disable --quiet voice-edge-relay.service", calls);
        Assert.Contains("through its drain", stderr);
        Assert.False(File.Exists(legacyUnit));
        Assert.False(File.Exists(Path.Combine(vm.Installed, "voice-edge-relay")));
        Assert.False(Directory.Exists(vm.Installed + ".previous"));
        Assert.True(File.Exists(Path.Combine(vm.Installed, "builds", release, "voice-edge-relay")));
    }

    [Fact]
    public async Task A_first_release_that_fails_during_the_migration_gives_the_port_back_to_the_single_unit()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        var legacyUnit = vm.At("etc", "systemd", "system", "voice-edge-relay.service");
        Directory.CreateDirectory(Path.GetDirectoryName(legacyUnit)!);
        File.WriteAllText(legacyUnit, "[Service]\nExecStart=/opt/voice-edge/relay/voice-edge-relay\n");
        File.WriteAllText(vm.At("test-units", "voice-edge-relay.service"), "active\n");
        VmRoot.WritePackage(vm.Incoming, relayBuild: "build-2");

        var (exit, _, stderr) = Install(vm, relay, RelayEnv(), liveWait: 2, extra: new() { ["TEST_RELAY_BROKEN"] = "1" });

        Assert.Equal(1, exit);
        var calls = vm.Calls.ToList();
        Assert.True(calls.IndexOf("systemctl disable --now --quiet voice-edge-relay.socket") < calls.LastIndexOf("systemctl start voice-edge-relay.service"), "the socket gives the port back first");
        Assert.Equal("active", vm.UnitState("voice-edge-relay.service"));
        Assert.True(File.Exists(legacyUnit));
        Assert.Contains("voice-edge-relay.service (the previous relay) started again", stderr);
    }

    [Fact]
    public async Task A_changed_secret_is_a_new_release_handed_over_to_but_not_caddy()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay);
        var old = vm.CurrentRelease;

        VmRoot.WritePackage(vm.Incoming);
        var (exit, _, stderr) = Install(vm, relay, RelayEnv(signingKey: "SENTINEL-rotated-key"));

        Assert.True(exit == 0, stderr);
        var release = vm.CurrentRelease;
        Assert.Equal(old[..16], release[..16]); // the same build, another configuration
        Assert.NotEqual(old, release);
        Assert.Equal([$"systemctl start {RelayUnit(release)}", $"systemctl stop --no-block {RelayUnit(old)}"], vm.Disruptions("voice-edge-relay"));
        Assert.Contains($"Relay__SigningKey={Secret}", File.ReadAllLines(vm.At("etc", "voice-edge", $"relay-{old}.env")));
        Assert.Empty(vm.Disruptions("caddy"));
        Assert.DoesNotContain("SENTINEL-rotated-key", stderr);
    }

    [Fact]
    public async Task A_changed_caddyfile_restarts_only_caddy()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        InstallFirst(vm, relay);

        VmRoot.WritePackage(vm.Incoming, caddyExtra: "# changed\n");
        var (exit, _, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        Assert.Equal(["systemctl restart caddy.service"], vm.Disruptions("caddy"));
        Assert.Empty(vm.Disruptions("voice-edge-relay"));
        Assert.EndsWith("# changed\n", File.ReadAllText(vm.At("etc", "caddy", "Caddyfile")));
    }

    [Fact]
    public async Task A_ready_backend_is_reported_ready()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        relay.ReadyStatus = 200;
        VmRoot.WritePackage(vm.Incoming);
        var (exit, stdout, stderr) = Install(vm, relay, RelayEnv());
        Assert.True(exit == 0, stderr);
        Assert.Contains("relay live and ready behind ws.example.test", stdout);
    }

    /// <summary>
    /// Updates never restart Caddy or reboot the VM on their own (issue 23): install.sh puts needrestart in list mode
    /// ($nrconf{restart} = 'l', read here by Perl as needrestart reads its conf.d files) and turns unattended-upgrades'
    /// reboot off; a pending reboot is announced in the deploy report, never done.
    /// </summary>
    [Fact]
    public async Task Install_sets_updates_to_restart_and_reboot_nothing_and_announces_a_pending_reboot()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        VmRoot.WritePackage(vm.Incoming);
        Directory.CreateDirectory(vm.At("var", "run"));
        File.WriteAllText(vm.At("var", "run", "reboot-required"), "*** System restart required ***\n");
        File.WriteAllText(vm.At("var", "run", "reboot-required.pkgs"), "linux-image-6.8.0-50-generic\nlibc6\n");

        var (exit, stdout, stderr) = Install(vm, relay, RelayEnv());

        Assert.True(exit == 0, stderr);
        var needrestart = vm.At("etc", "needrestart", "conf.d", "60-voice-edge.conf");
        var (perlExit, restartMode, perlErr) = NeedrestartRestartMode(needrestart);
        Assert.True(perlExit == 0, perlErr);
        Assert.Equal("l", restartMode);
        Assert.Contains("Unattended-Upgrade::Automatic-Reboot \"false\";", File.ReadAllLines(vm.At("etc", "apt", "apt.conf.d", "52voice-edge-no-reboot")));
        Assert.Contains("the VM needs a reboot for installed updates (linux-image-6.8.0-50-generic libc6)", stdout);
        Assert.DoesNotContain(vm.Calls, c => c.Contains("reboot", StringComparison.Ordinal));
    }

    /// <summary>needrestart's restart mode after it read <paramref name="confFile"/> (its default, 'a' when not interactive, set first).</summary>
    private static (int Exit, string Stdout, string Stderr) NeedrestartRestartMode(string confFile)
    {
        var start = new System.Diagnostics.ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-e", "our %nrconf; $nrconf{restart} = 'a'; do $ARGV[0] or die \"$@$!\"; print $nrconf{restart};", confFile })
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public async Task A_relay_that_never_becomes_live_fails_the_install_and_points_at_its_journal()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        relay.LiveStatus = 503;
        VmRoot.WritePackage(vm.Incoming);
        var (exit, _, stderr) = Install(vm, relay, RelayEnv(), liveWait: 2);
        Assert.Equal(1, exit);
        Assert.Contains("journalctl -u voice-edge-relay", stderr);
        Assert.Contains("no relay serves", stderr);
    }

    [Fact]
    public async Task A_failed_first_boot_stops_the_install_before_anything_is_touched()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        VmRoot.WritePackage(vm.Incoming);
        var script = Path.Combine(vm.Incoming, "deploy", "install.sh");
        var (exit, _, stderr) = vm.Run(script, "ws.example.test", RelayEnv(), new Dictionary<string, string>
        {
            ["TEST_CLOUD_INIT_EXIT"] = "1",
            ["VOICE_EDGE_RELAY_URL"] = relay.BaseUri.ToString().TrimEnd('/'),
        });
        Assert.Equal(1, exit);
        Assert.Contains("cloud-init failed", stderr);
        Assert.Equal(["cloud-init status --wait"], vm.Calls);
    }

    [Fact]
    public async Task The_run_command_fetches_the_package_with_the_vm_identity_retries_while_access_propagates_and_installs_it()
    {
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        ServePackage(vm, standIns);
        standIns.RefuseBlobTimes = 1;
        var baseUrl = standIns.BaseUri.ToString().TrimEnd('/');

        var environment = RunCommandEnvironment(baseUrl);
        environment["RELAY_TWILIO_MODE"] = "personaplex";
        environment["RELAY_TWILIO_AUTH_TOKEN"] = TwilioSecret;
        environment["RELAY_TWILIO_WEBHOOK_SHARED_KEY"] = SharedKeySecret;
        environment["VOICE_EDGE_RELAY_URL"] = baseUrl;
        environment["VOICE_EDGE_LIVE_WAIT_SECONDS"] = "10";
        standIns.Build = () => vm.ServingBuild;
        var (exit, stdout, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, environment);

        Assert.True(exit == 0, stderr);
        Assert.Equal([403, 200], standIns.BlobResponses);
        Assert.All(standIns.TokenResources, r => Assert.Equal("https://storage.azure.com/", r));
        Assert.Contains("NOT READY", stdout);
        Assert.Equal(
            [.. BackendSettings, "Relay__TwilioUpstream=wss://gpu.example.test/twilio",
             "Relay__TwilioMode=personaplex", "Relay__PublicBaseUrl=wss://ws.example.test", $"Relay__SigningKey={Secret}", $"Relay__TwilioAuthToken={TwilioSecret}",
             $"Relay__TwilioWebhookSharedKey={SharedKeySecret}"],
            File.ReadAllLines(vm.At("etc", "voice-edge", "relay.env")));
        Assert.Equal([$"systemctl start {RelayUnit(vm.CurrentRelease)}"], vm.Disruptions("voice-edge-relay"));
        foreach (var secret in new[] { Secret, TwilioSecret, SharedKeySecret, DeployStandIns.Token })
            Assert.DoesNotContain(secret, stdout + stderr);
    }

    [Theory]
    [InlineData("RELAY_SIGNING_KEY_NEXT", "Relay__NextSigningKey")]
    [InlineData("RELAY_SIGNING_KEY_PREVIOUS", "Relay__PreviousSigningKey")]
    public async Task A_rotation_key_reaches_the_relay_environment_only_when_passed_and_is_never_echoed(string parameter, string setting)
    {
        const string RotationSecret = "SENTINEL-rotation-key-41b9";
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        ServePackage(vm, standIns);
        var baseUrl = standIns.BaseUri.ToString().TrimEnd('/');
        var environment = RunCommandEnvironment(baseUrl);
        environment[parameter] = RotationSecret;
        environment["VOICE_EDGE_RELAY_URL"] = baseUrl;
        environment["VOICE_EDGE_LIVE_WAIT_SECONDS"] = "10";
        standIns.Build = () => vm.ServingBuild;
        var (exit, stdout, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, environment);

        Assert.True(exit == 0, stderr);
        var lines = File.ReadAllLines(vm.At("etc", "voice-edge", "relay.env"));
        Assert.Contains($"{setting}={RotationSecret}", lines);
        Assert.Single(lines, l => l.Contains("SigningKey=", StringComparison.Ordinal) && !l.StartsWith("Relay__SigningKey=", StringComparison.Ordinal));
        Assert.DoesNotContain(RotationSecret, stdout + stderr);
    }

    [Fact]
    public async Task The_run_command_fails_at_once_on_an_unexpected_refusal()
    {
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        standIns.ForceBlobStatus = 500;
        var baseUrl = standIns.BaseUri.ToString().TrimEnd('/');
        var (exit, _, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, RunCommandEnvironment(baseUrl));
        Assert.NotEqual(0, exit);
        Assert.Equal([500], standIns.BlobResponses);
        Assert.Contains("package download failed: HTTP 500", stderr);
        Assert.DoesNotContain(Secret, stderr);
        Assert.Empty(vm.Calls);
    }

    [Theory]
    [InlineData("Relay__Backends__0__Url=wss://gpu.example.test/api/chat\nRelay__SigningKey=attacker", "holds a line break")]
    [InlineData("Relay__Backends__0__Url=wss://gpu.example.test/api/chat\rRelay__SigningKey=attacker", "holds a line break")]
    [InlineData("Relay__SigningKey=attacker", "is not a relay setting this deploy passes (Relay__SigningKey)")]
    [InlineData("Relay__TwilioAuthToken=attacker", "is not a relay setting this deploy passes")]
    [InlineData("Relay__Backends__0__DefaultQuery__a__b=x", "is not a relay setting this deploy passes")]
    [InlineData("Relay__Backends__zero__Url=wss://x.test", "is not a relay setting this deploy passes")]
    [InlineData("NotRelay=1", "is not a relay setting this deploy passes")]
    [InlineData("Relay__Fleet__x__Name=weu", "is not a relay setting this deploy passes")]
    [InlineData("Relay__Fleet__0__SigningKey=attacker", "is not a relay setting this deploy passes")]
    public async Task The_run_command_refuses_a_setting_with_a_line_break_or_a_name_it_does_not_pass_before_touching_anything(string setting, string reason)
    {
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        var environment = RunCommandEnvironment(standIns.BaseUri.ToString().TrimEnd('/'));
        environment["RELAY_SETTING_1"] = setting;
        var (exit, _, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, environment);
        Assert.NotEqual(0, exit);
        Assert.Contains($"RELAY_SETTING_1 {reason}", stderr);
        Assert.DoesNotContain("attacker", stderr);
        Assert.Empty(standIns.BlobResponses);
        Assert.Empty(vm.Calls);
        Assert.False(File.Exists(vm.At("etc", "voice-edge", "relay.env")));
    }

    /// <summary>What infra/Stack/RelayEnvironment.cs adds for a relay of a fleet (relay weu of two, eus draining).</summary>
    private static readonly string[] FleetSettings =
    [
        "Relay__Name=weu",
        "Relay__Fleet__0__Name=weu", "Relay__Fleet__0__Url=https://ws-weu.example.test", "Relay__Fleet__0__Region=westeurope",
        "Relay__Fleet__0__Latitude=52.3667", "Relay__Fleet__0__Longitude=4.9",
        "Relay__Fleet__1__Name=eus", "Relay__Fleet__1__Url=https://ws-eus.example.test", "Relay__Fleet__1__Region=eastus",
        "Relay__Fleet__1__Latitude=37.3719", "Relay__Fleet__1__Longitude=-79.8164", "Relay__Fleet__1__Draining=true",
        "Relay__Draining=true",
    ];

    [Fact]
    public async Task The_run_command_passes_a_fleet_relays_name_and_fleet_lines_into_the_relay_environment()
    {
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        ServePackage(vm, standIns);
        var baseUrl = standIns.BaseUri.ToString().TrimEnd('/');
        var environment = RunCommandEnvironment(baseUrl);
        for (var i = 0; i < FleetSettings.Length; i++) environment[$"RELAY_SETTING_{BackendSettings.Length + i}"] = FleetSettings[i];
        environment["VOICE_EDGE_RELAY_URL"] = baseUrl;
        environment["VOICE_EDGE_LIVE_WAIT_SECONDS"] = "10";
        standIns.Build = () => vm.ServingBuild;
        var (exit, _, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, environment);

        Assert.True(exit == 0, stderr);
        var env = File.ReadAllLines(vm.At("etc", "voice-edge", "relay.env"));
        Assert.Equal([.. BackendSettings, .. FleetSettings], env.Take(BackendSettings.Length + FleetSettings.Length));
    }

    [Fact]
    public async Task The_run_command_refuses_a_secret_with_a_line_break_without_echoing_it()
    {
        using var vm = new VmRoot();
        await using var standIns = await DeployStandIns.StartAsync();
        var environment = RunCommandEnvironment(standIns.BaseUri.ToString().TrimEnd('/'));
        environment["RELAY_SIGNING_KEY"] = Secret + "\nRelay__Backends__0__Url=wss://evil.example.test/api/chat";
        var (exit, stdout, stderr) = vm.Run(VmRoot.DeployFile("run-command.sh"), "", null, environment);
        Assert.NotEqual(0, exit);
        Assert.Contains("RELAY_SIGNING_KEY holds a line break", stderr);
        Assert.DoesNotContain(Secret, stdout + stderr);
        Assert.Empty(vm.Calls);
    }

    [Fact]
    public async Task Install_keeps_the_list_settings_of_the_backend_pool_and_drops_every_other_shape()
    {
        using var vm = new VmRoot();
        await using var relay = await DeployStandIns.StartAsync();
        VmRoot.WritePackage(vm.Incoming);
        string[] kept =
        [
            .. BackendSettings,
            "Relay__QueueSeconds=10",
            $"Relay__SigningKey={Secret}",
        ];
        string[] dropped =
        [
            "Relay__Backends__0__DefaultQuery__voice__prompt=x", "Relay__Backends__0__DefaultQuery__voice_prompt__x=y",
            "Relay__Backends__x__Url=wss://evil.example.test", "Relay__Backends__0__Url__x__y__z=1",
            "Relay__Backends__0__Default-Query__k=v", "Relay__Backends__0__DefaultQuery__=v", "Relay__ Upstream=x",
            " Relay__Upstream=x", "relay__Upstream=x", "Relay__Backends__0__DefaultQuery__9seed=1", "NotRelay=dropped",
        ];
        var (exit, _, stderr) = Install(vm, relay, string.Join('\n', [.. kept, .. dropped]) + "\n");
        Assert.True(exit == 0, stderr);
        Assert.Equal(kept, File.ReadAllLines(vm.At("etc", "voice-edge", "relay.env")));
    }

    /// <summary>Packs the stand-in relay package and has the blob stand-in serve it.</summary>
    private static void ServePackage(VmRoot vm, DeployStandIns standIns)
    {
        var packageDir = vm.At("package-src");
        VmRoot.WritePackage(packageDir);
        var archive = vm.At("relay.tar.gz");
        var (tarExit, tarOutput) = Run("tar", $"-czf {archive} -C {packageDir} .");
        Assert.True(tarExit == 0, tarOutput);
        standIns.Package = File.ReadAllBytes(archive);
    }

    /// <summary>What infra/Stack/RelayEnvironment.cs makes of two PersonaPlex backends, one pinned, and a query allow-list.</summary>
    private static readonly string[] BackendSettings =
    [
        "Relay__Backends__0__Url=wss://gpu.example.test/api/chat",
        "Relay__Backends__0__Capacity=1",
        "Relay__Backends__0__CertificateSha256=3F:1A:7C:2B:9D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8",
        "Relay__Backends__0__DefaultQuery__voice_prompt=NATF2.pt",
        "Relay__Backends__1__Url=wss://gpu-2.example.test/api/chat",
        "Relay__Backends__1__Capacity=1",
        "Relay__Backends__1__DefaultQuery__text_prompt=You enjoy having a good conversation.",
        "Relay__AllowedQueryKeys__0=seed",
        "Relay__TwilioAccountSid=AC0123456789abcdef0123456789abcdef",
    ];

    /// <summary>The Run Command's parameters as the VM agent passes them, pointed at the loopback stand-ins.</summary>
    private static Dictionary<string, string> RunCommandEnvironment(string baseUrl)
    {
        var environment = new Dictionary<string, string>
        {
            ["RELAY_PACKAGE_URL"] = baseUrl + DeployStandIns.BlobPath,
            ["RELAY_WS_HOST"] = "ws.example.test",
            ["RELAY_TWILIO_UPSTREAM"] = "wss://gpu.example.test/twilio",
            ["RELAY_PUBLIC_BASE_URL"] = "wss://ws.example.test",
            ["RELAY_SIGNING_KEY"] = Secret,
            ["VOICE_EDGE_IMDS_URL"] = baseUrl,
            ["VOICE_EDGE_RETRY_DELAY_SECONDS"] = "0",
        };
        for (var i = 0; i < BackendSettings.Length; i++) environment[$"RELAY_SETTING_{i}"] = BackendSettings[i];
        return environment;
    }
}
