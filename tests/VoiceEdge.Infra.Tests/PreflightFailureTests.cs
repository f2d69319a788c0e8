using System.Net;
using System.Net.Sockets;
using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.PreflightHarness;

namespace VoiceEdge.Infra.Tests;

/// <summary>Network failures, exit codes on the real process, and secrets that must never be printed.</summary>
public class PreflightFailureTests(PreflightStandInFixture standIn) : IClassFixture<PreflightStandInFixture>
{
    private const string CloudflareSentinel = "SENTINEL-cloudflare-token-7d41e0";
    private const string AzureSentinel = "SENTINEL-azure-token-93bc2f";

    /// <summary>A loopback port nothing listens on: bound, read, released.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task An_unreachable_API_becomes_failed_rows_with_the_reason_not_an_exception()
    {
        var port = ClosedPort();
        var run = await RunAsync(standIn.Api, new StandInScenario(), "prod", env =>
        {
            env[PreflightEnvironment.CloudflareApiBase] = $"http://127.0.0.1:{port}/client/v4";
            env[PreflightEnvironment.AzureApiBase] = $"http://127.0.0.1:{port}/arm";
        });
        Assert.Equal(1, run.ExitCode);
        var token = run.Row("Cloudflare API token");
        Assert.StartsWith("FAIL", token);
        Assert.Contains($"could not reach http://127.0.0.1:{port}: Connection refused", token);
        Assert.Contains("fix: check the network path", token);
        Assert.Contains("could not reach", run.Row("Azure subscription"));
        Assert.DoesNotContain("   at ", run.Output);
        Assert.DoesNotContain("Exception", run.Output);
    }

    [Fact]
    public async Task An_API_that_never_answers_fails_after_the_timeout()
    {
        var run = await RunAsync(standIn.Api, new StandInScenario { NeverAnswers = true }, "prod",
            env => env[PreflightEnvironment.TimeoutSeconds] = "1", skipAzure: true);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no answer from http://127.0.0.1:", run.Row("Cloudflare API token"));
        Assert.Contains("within 1 s", run.Row("Cloudflare API token"));
    }

    [Fact]
    public async Task Tokens_echoed_back_by_the_APIs_are_never_printed()
    {
        var scenario = new StandInScenario { EchoCredentials = true, CloudflareToken = "expected-cf", AzureToken = "expected-arm" };
        var run = await RunAsync(standIn.Api, scenario, "prod", env =>
        {
            env[PreflightEnvironment.CloudflareToken] = CloudflareSentinel;
            env[PreflightEnvironment.AzureToken] = AzureSentinel;
        });
        Assert.Equal(1, run.ExitCode);
        // The stand-in did quote the header: the redaction is what keeps it out.
        Assert.Contains($"Invalid API Token: Bearer {SecretRedactor.Mask}", run.Row("Cloudflare API token"));
        Assert.Contains($"The access token is invalid: Bearer {SecretRedactor.Mask}", run.Row("Azure subscription"));
        Assert.DoesNotContain(CloudflareSentinel, run.Output);
        Assert.DoesNotContain(AzureSentinel, run.Output);
    }

    [Fact]
    public async Task The_real_process_exits_0_when_all_pass_and_prints_no_secret()
    {
        var scenario = new StandInScenario { CloudflareToken = CloudflareSentinel, AzureToken = AzureSentinel };
        var api = standIn.Api.Use(scenario);
        using var project = new ScratchProject(withWorker: false);
        var result = project.Run(Env(api), "preflight", "prod");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.StartsWith("voice-edge preflight: stack prod\nRESULT  CHECK", result.Stdout);
        Assert.Equal("", result.Stderr);
        foreach (var secret in new[] { CloudflareSentinel, AzureSentinel })
        {
            Assert.DoesNotContain(secret, result.Stdout);
            Assert.DoesNotContain(secret, result.Stderr);
        }
    }

    [Fact]
    public async Task The_real_process_exits_1_when_a_check_fails_and_the_table_still_goes_to_stdout()
    {
        var api = standIn.Api.Use(new StandInScenario { VmSizeRestriction = "QuotaId" });
        using var project = new ScratchProject(withWorker: false);
        var result = project.Run(Env(api), "preflight", "prod");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FAIL    Azure VM size in region", result.Stdout);
        Assert.Contains("1 of ", result.Stdout);
    }

    [Fact]
    public void The_real_process_exits_2_on_invalid_config_and_calls_nothing()
    {
        using var project = new ScratchProject(withWorker: false);
        EditStack(project, "prod", "voice-edge:zonePlan: free", "voice-edge:zonePlan: gold");
        var result = project.Run(new Dictionary<string, string> { [PreflightEnvironment.CloudflareApiBase] = "http://127.0.0.1:9/client/v4" }, "preflight", "prod");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("voice-edge:zonePlan", result.Stderr);
    }

    [Fact]
    public void A_plain_http_API_base_off_loopback_is_refused_so_no_token_crosses_the_network_in_clear()
    {
        using var project = new ScratchProject(withWorker: false);
        var result = project.Run(new Dictionary<string, string>
        {
            [PreflightEnvironment.CloudflareToken] = CloudflareSentinel,
            [PreflightEnvironment.CloudflareApiBase] = "http://api.example.net/client/v4",
        }, "preflight", "prod", "--skip-azure");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("VOICE_EDGE_CLOUDFLARE_API_BASE: `http://api.example.net/client/v4` is not an https:// base URL", result.Stderr);
        Assert.DoesNotContain(CloudflareSentinel, result.Stdout + result.Stderr);
    }
}
