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

    /// <summary>An <c>az</c> on PATH that answers the power-state query with <paramref name="powerState"/> and records every call.</summary>
    private void FakeAz(string powerState, bool startFails = false)
    {
        var az = Path.Combine(_bin, "az");
        File.WriteAllText(az, $$"""
            #!/usr/bin/env bash
            echo "az $*" >> "{{AzCalls}}"
            case "$1 $2" in
              "vm get-instance-view") echo "{{powerState}}" ;;
              "vm start") {{(startFails ? "echo 'AllocationFailed' >&2; exit 1" : "exit 0")}} ;;
            esac
            """);
        File.SetUnixFileMode(az, (UnixFileMode)0b111_101_101);
    }

    private (int Exit, string Stdout, string Stderr, TimeSpan Took) Check(int? port, string? caFile, int waitSeconds = 2, string? vmId = null, string? report = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repo.Path(RelayEndpointCheck.Script));
        start.Environment["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}";
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
