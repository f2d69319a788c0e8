using System.Diagnostics;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The deploy's last step, <c>infra/deploy/relay-endpoint-check.sh</c>, run for real against a loopback HTTPS server:
/// success only for a 200 from <c>/health/live</c> over a certificate valid for the ws name; anything else fails
/// within its bound and says what it saw. A VM left stopped (a failed resize) is started first, through an
/// <c>az</c> stand-in that records its calls. And the rendered program runs it after the install and the ws record.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RelayEndpointCheckTests : IDisposable
{
    private const string WsHost = "ws.example.test";
    private const string VmId = "/subscriptions/0000/resourceGroups/voice-edge-dev/providers/Microsoft.Compute/virtualMachines/relayVm1234567";
    private readonly string _bin = Directory.CreateTempSubdirectory("voice-edge-az-").FullName;

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    private string AzCalls => Path.Combine(_bin, "az-calls.log");

    /// <summary>
    /// An <c>az</c> on PATH that answers the power-state query with <paramref name="powerState"/>, lists
    /// <paramref name="runCommands"/> as the VM's run commands, deletes them (failing for the names in
    /// <paramref name="deleteFails"/>; every list fails with <paramref name="listFails"/>) and records every call.
    /// The list answers as <c>az vm run-command list --vm-name ... --expand instanceView --query
    /// "[].[name, provisioningState, instanceView.executionState]" -o tsv</c> would: one tab-separated line per run
    /// command (the item shape of Azure/azure-cli <c>aaz/latest/vm/run_command/_show.py</c>, <c>properties</c>
    /// flattened), the execution state empty without <c>--expand instanceView</c> (the API returns no instanceView
    /// then). Any other query is an error, so the script's query is held to that shape.
    /// </summary>
    private void FakeAz(string powerState, bool startFails = false, IReadOnlyList<(string Name, string Provisioning, string Execution)>? runCommands = null, IReadOnlyList<string>? deleteFails = null, bool listFails = false)
    {
        var listed = Path.Combine(_bin, "run-commands.tsv");
        File.WriteAllLines(listed, (runCommands ?? []).Select(r => $"{r.Name}\t{r.Provisioning}\t{r.Execution}"));
        var failing = Path.Combine(_bin, "delete-fails.txt");
        File.WriteAllLines(failing, deleteFails ?? []);
        var az = Path.Combine(_bin, "az");
        File.WriteAllText(az, $$"""
            #!/usr/bin/env bash
            echo "az $*" >> "{{AzCalls}}"
            case "$1 $2" in
              "vm get-instance-view") echo "{{powerState}}" ;;
              "vm start") {{(startFails ? "echo 'AllocationFailed' >&2; exit 1" : "exit 0")}} ;;
            esac
            if [ "$1 $2 $3" = "vm run-command list" ]; then
              {{(listFails ? "echo 'AuthorizationFailed: no read on runCommands' >&2; exit 1" : ":")}}
              query=""; expand=""
              while [ $# -gt 0 ]; do
                case "$1" in --query) query="$2"; shift ;; --expand) expand="$2"; shift ;; esac
                shift
              done
              [ "$query" = "[].[name, provisioningState, instanceView.executionState]" ] || { echo "ERROR: the stand-in does not know the query '$query'" >&2; exit 2; }
              if [ "$expand" = instanceView ]; then cat "{{listed}}"; else cut -f1,2 "{{listed}}" | sed 's/$/	/'; fi
            elif [ "$1 $2 $3" = "vm run-command delete" ]; then
              name=""
              while [ $# -gt 0 ]; do
                case "$1" in --name|-n) name="$2"; shift ;; esac
                shift
              done
              if grep -qxF "$name" "{{failing}}"; then echo "(Conflict) The request failed due to conflict with a concurrent request." >&2; exit 1; fi
            fi
            exit 0
            """);
        File.SetUnixFileMode(az, (UnixFileMode)0b111_101_101);
    }

    /// <summary>PATH without any directory that holds an <c>az</c>: the deploying machine has no Azure CLI.</summary>
    private static string PathWithoutAz() => string.Join(':',
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(dir => dir.Length > 0 && !File.Exists(Path.Combine(dir, "az"))));

    private (int Exit, string Stdout, string Stderr, TimeSpan Took) Check(int? port, string? caFile, int waitSeconds = 2, string? vmId = null, string? report = null, string? install = null, bool withoutAz = false)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repo.Path(RelayEndpointCheck.Script));
        start.Environment["PATH"] = withoutAz ? PathWithoutAz() : $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}";
        if (install is not null) start.Environment["VOICE_EDGE_RELAY_INSTALL"] = install;
        start.Environment["VOICE_EDGE_WS_HOST"] = WsHost;
        start.Environment["VOICE_EDGE_VM_ID"] = vmId ?? "";
        start.Environment["VOICE_EDGE_ENDPOINT_WAIT_SECONDS"] = waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["VOICE_EDGE_ENDPOINT_INTERVAL_SECONDS"] = "1";
        // Nothing listens on port 1 of loopback: "no answer".
        start.Environment["VOICE_EDGE_ENDPOINT_CONNECT_TO"] = $"{WsHost}:443:127.0.0.1:{port ?? 1}";
        if (caFile is not null) start.Environment["VOICE_EDGE_ENDPOINT_CA_FILE"] = caFile;
        if (report is not null) start.Environment["VOICE_EDGE_RELAY_REPORT"] = report;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("relay-endpoint-check.sh did not exit within 60 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    [Fact]
    public void A_valid_certificate_and_a_live_relay_pass()
    {
        using var server = new LoopbackHttps(WsHost);
        var (exit, stdout, stderr, _) = Check(server.Port, server.CaFile);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"relay answers on https://{WsHost}/health/live with a valid certificate", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_no_trusted_ca_issued_fails_within_the_bound_and_says_so()
    {
        using var server = new LoopbackHttps(WsHost);
        var (exit, stdout, stderr, took) = Check(server.Port, caFile: null);
        Assert.Equal(1, exit);
        Assert.Contains("TLS: the certificate is not valid for ws.example.test", stderr, StringComparison.Ordinal);
        Assert.Contains("after 2 s", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("relay answers", stdout, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(30), $"took {took}");
    }

    private const string Release = "0123456789abcdef-89abcdef";
    private const string Report = $"install.sh: release {Release} serves\nrelay live and ready behind ws.example.test (release {Release}): {{}}";

    [Fact]
    public void The_release_the_install_reported_must_be_the_one_answering()
    {
        using var server = new LoopbackHttps(WsHost, body: $$"""{"status":"live","build":"{{Release}}"}""");
        var (exit, stdout, stderr, _) = Check(server.Port, server.CaFile, report: Report);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"as release {Release}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_build_answering_fails()
    {
        using var server = new LoopbackHttps(WsHost, body: """{"status":"live","build":"fedcba9876543210-01234567"}""");
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, report: Report);
        Assert.Equal(1, exit);
        Assert.Contains($"it serves another build than the release just installed ({Release})", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_for_another_name_fails()
    {
        using var server = new LoopbackHttps("other.example.test");
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile);
        Assert.Equal(1, exit);
        Assert.Contains("TLS: the certificate is not valid", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relay_that_does_not_answer_200_fails_with_the_status_and_body()
    {
        using var server = new LoopbackHttps(WsHost, status: 502, body: "upstream relay down");
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile);
        Assert.Equal(1, exit);
        Assert.Contains("HTTP 502: upstream relay down", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_listening_fails_as_no_answer()
    {
        var (exit, _, stderr, _) = Check(port: null, caFile: null);
        Assert.Equal(1, exit);
        Assert.Contains("no answer on port 443", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PowerState/deallocated")]
    [InlineData("PowerState/stopped")]
    public void A_vm_a_failed_resize_left_off_is_started_before_the_check(string powerState)
    {
        FakeAz(powerState);
        using var server = new LoopbackHttps(WsHost);
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"az vm start --ids {VmId} --only-show-errors", File.ReadAllLines(AzCalls));
        Assert.Contains("starting it", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_running_vm_is_not_touched()
    {
        FakeAz("PowerState/running");
        using var server = new LoopbackHttps(WsHost);
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId);
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain(File.ReadAllLines(AzCalls), c => c.StartsWith("az vm start", StringComparison.Ordinal));
    }

    [Fact]
    public void A_vm_that_does_not_start_fails_the_deploy_with_the_way_out()
    {
        FakeAz("PowerState/deallocated", startFails: true);
        var (exit, _, stderr, _) = Check(port: null, caFile: null, vmId: VmId);
        Assert.Equal(1, exit);
        Assert.Contains($"az vm start failed: start the VM by hand (az vm start --ids {VmId})", stderr, StringComparison.Ordinal);
    }

    private const string CurrentInstall = "relayInstall3c1d2e9";

    /// <summary>What a VM holds after two failed deploys, a good one, the current one and another tool's run command.</summary>
    private static readonly (string Name, string Provisioning, string Execution)[] RunCommandsOnTheVm =
    [
        ("relayInstall0a1b2c3", "Failed", "Failed"),
        ("relayInstall4d5e6f7", "Failed", "TimedOut"),
        ("relayInstall8a9b0c1", "Succeeded", "Succeeded"),
        ("relayInstall2d3e4f5", "Creating", "Running"),
        // The current install: kept by its name whatever Azure says of it.
        (CurrentInstall, "Failed", "Failed"),
        // Not this install's: another logical name.
        ("backupAgent1234567", "Failed", "Failed"),
    ];

    private IEnumerable<string> Deleted() => File.ReadAllLines(AzCalls)
        .Where(c => c.StartsWith("az vm run-command delete", StringComparison.Ordinal))
        .Select(c => c.Split(" --name ")[1].Split(' ')[0]);

    [Fact]
    public void After_the_endpoint_answers_the_failed_install_attempts_are_removed_and_nothing_else()
    {
        FakeAz("PowerState/running", runCommands: RunCommandsOnTheVm);
        using var server = new LoopbackHttps(WsHost);
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId, install: CurrentInstall);
        Assert.True(exit == 0, stderr);
        Assert.Contains("az vm run-command list --subscription 0000 --resource-group voice-edge-dev --vm-name relayVm1234567 --expand instanceView --query [].[name, provisioningState, instanceView.executionState] -o tsv --only-show-errors", File.ReadAllLines(AzCalls));
        Assert.Equal(["relayInstall0a1b2c3", "relayInstall4d5e6f7"], Deleted());
        Assert.Contains("az vm run-command delete --subscription 0000 --resource-group voice-edge-dev --vm-name relayVm1234567 --name relayInstall0a1b2c3 --yes --only-show-errors", File.ReadAllLines(AzCalls));
        Assert.Contains("removed the failed install attempt relayInstall0a1b2c3 (provisioning Failed, execution Failed)", stderr, StringComparison.Ordinal);
        Assert.Contains("removed the failed install attempt relayInstall4d5e6f7 (provisioning Failed, execution TimedOut)", stderr, StringComparison.Ordinal);
        Assert.Contains("failed install attempts: 2 removed, 0 left on the VM", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deletion_that_fails_is_a_warning_and_the_others_are_still_removed()
    {
        FakeAz("PowerState/running", runCommands: RunCommandsOnTheVm, deleteFails: ["relayInstall0a1b2c3"]);
        using var server = new LoopbackHttps(WsHost);
        var (exit, stdout, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId, install: CurrentInstall);
        Assert.True(exit == 0, stderr);
        Assert.Contains("relay answers", stdout, StringComparison.Ordinal);
        Assert.Equal(["relayInstall0a1b2c3", "relayInstall4d5e6f7"], Deleted());
        Assert.Contains("warning: could not remove the failed install attempt relayInstall0a1b2c3: (Conflict)", stderr, StringComparison.Ordinal);
        Assert.Contains("removed the failed install attempt relayInstall4d5e6f7", stderr, StringComparison.Ordinal);
        Assert.Contains("failed install attempts: 1 removed, 1 left on the VM", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_that_fails_is_a_warning()
    {
        FakeAz("PowerState/running", runCommands: RunCommandsOnTheVm, listFails: true);
        using var server = new LoopbackHttps(WsHost);
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId, install: CurrentInstall);
        Assert.True(exit == 0, stderr);
        Assert.Contains("warning: could not list the VM's run commands (failed install attempts stay on it): AuthorizationFailed", stderr, StringComparison.Ordinal);
        Assert.Empty(Deleted());
    }

    [Fact]
    public void Nothing_is_removed_while_the_endpoint_does_not_answer()
    {
        FakeAz("PowerState/running", runCommands: RunCommandsOnTheVm);
        var (exit, _, _, _) = Check(port: null, caFile: null, vmId: VmId, install: CurrentInstall);
        Assert.Equal(1, exit);
        Assert.DoesNotContain(File.ReadAllLines(AzCalls), c => c.StartsWith("az vm run-command", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_az_the_way_to_remove_them_by_hand_is_printed_once()
    {
        using var server = new LoopbackHttps(WsHost);
        var (exit, _, stderr, _) = Check(server.Port, server.CaFile, vmId: VmId, install: CurrentInstall, withoutAz: true);
        Assert.True(exit == 0, stderr);
        Assert.Single(stderr.Split('\n'), l => l.Contains("failed install attempts stay on the VM; list and delete them by hand", StringComparison.Ordinal));
        Assert.Contains("az vm run-command list --subscription 0000 -g voice-edge-dev --vm-name relayVm1234567 --expand instanceView", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n'), l => l.Contains("az vm run-command delete --subscription 0000 -g voice-edge-dev --vm-name relayVm1234567 --name <a Failed relayInstall... other than relayInstall3c1d2e9> --yes", StringComparison.Ordinal));
        Assert.False(File.Exists(AzCalls));
    }

    [Fact]
    public void The_program_checks_after_the_install_and_the_ws_record_and_again_after_a_resize()
    {
        var program = Stacks.Program("dev");
        var check = program["relayEndpointCheck"];
        var command = Assert.IsType<LocalCommand>(check.Args);
        Assert.Equal($"bash {RelayEndpointCheck.Script}", command.Create);
        Assert.Equal(["relayInstall", "relayDns"], check.Options.DependsOn.Select(d => d.Name));
        var vm = Assert.IsType<LinuxVirtualMachine>(program["relayVm"].Args);
        Assert.Equal([vm.Size], command.Triggers);
        Assert.Equal("${relayVm.id}", command.Environment!["VOICE_EDGE_VM_ID"]);
        Assert.Equal("${relayInstall.name}", command.Environment["VOICE_EDGE_RELAY_INSTALL"]);
        Assert.Equal("${relayInstall.instanceViews[0].output}", command.Environment["VOICE_EDGE_RELAY_REPORT"]);
        var dns = Assert.IsType<DnsRecord>(program["relayDns"].Args);
        Assert.Equal(dns.Name, command.Environment["VOICE_EDGE_WS_HOST"]);
    }
}
