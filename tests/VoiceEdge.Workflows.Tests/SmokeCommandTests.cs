using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Smoke;

namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// The smoke command against a real loopback deployment of the path: an echo backend, the relay on Kestrel,
/// and the Worker in workerd (`wrangler dev`), with secrets this test chose.
/// </summary>
public sealed class SmokeCommandTests : IAsyncLifetime
{
    private const string SigningKey = "smoke-test-signing-key-0123456789";
    private const string JwtSecret = "smoke-test-jwt-secret";
    private const string Origin = "http://127.0.0.1:8788";

    private WebApplication? _backend;
    private WebApplication? _relay;
    private Process? _worker;
    private int _relayPort;
    private int _workerPort;

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task InitializeAsync()
    {
        var backendPort = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{backendPort}");
        _backend = builder.Build();
        _backend.UseWebSockets();
        _backend.Map("/{**path}", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest) return;
            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[65536];
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    return;
                }
                await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, CancellationToken.None);
            }
        });
        await _backend.StartAsync();

        _relayPort = FreePort();
        _relay = RelayApp.Build(
        [
            $"--urls=http://127.0.0.1:{_relayPort}",
            $"--Relay:Upstream=ws://127.0.0.1:{backendPort}/api/chat",
            $"--Relay:TwilioUpstream=ws://127.0.0.1:{backendPort}/twilio",
            $"--Relay:SigningKey={SigningKey}",
            $"--Relay:PublicBaseUrl=ws://127.0.0.1:{_relayPort}",
        ], b => b.Logging.ClearProviders());
        await _relay.StartAsync();

        _workerPort = FreePort();
        var wrangler = Repo.Path("worker-src", "node_modules", ".bin", "wrangler");
        Assert.True(File.Exists(wrangler), "run `npm ci --ignore-scripts` in worker-src (.ci/install does)");
        var start = new ProcessStartInfo(wrangler)
        {
            WorkingDirectory = Repo.Path("worker-src"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "dev", "--ip", "127.0.0.1", "--port", _workerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--inspector-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--var", $"RELAY_URL:http://127.0.0.1:{_relayPort}", "--var", $"ALLOWED_ORIGINS:{Origin}", "--var", "ROUTE_PREFIX:/voice",
                     "--var", $"RELAY_SIGNING_KEY:{SigningKey}", "--var", $"AUTH_JWT_SECRET:{JwtSecret}" })
            start.ArgumentList.Add(arg);
        start.Environment["WRANGLER_SEND_METRICS"] = "false";
        start.Environment["CI"] = "true";
        _worker = Process.Start(start)!;
        _ = _worker.StandardOutput.ReadToEndAsync();
        _ = _worker.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                await http.GetAsync(new Uri($"http://127.0.0.1:{_workerPort}/voice/health"));
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Assert.True(DateTime.UtcNow < deadline && !_worker.HasExited, "wrangler dev did not start within 90 s");
                await Task.Delay(250);
            }
        }
    }

    private string OutputsFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"voice-edge-outputs-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            browserUrl = $"ws://127.0.0.1:{_workerPort}/voice/ws",
            workerHealthUrl = $"http://127.0.0.1:{_workerPort}/voice/health",
            twilioUrl = $"ws://127.0.0.1:{_relayPort}/twilio/stream",
            relayHealthUrl = $"http://127.0.0.1:{_relayPort}/health",
            workerName = "voice-edge-local",
        }));
        return path;
    }

    private static (int Exit, string Stdout, string Stderr) Smoke(string outputs, string? jwtSecret, string? signingKey) =>
        Shell.Run("dotnet", $"{Path.Combine(AppContext.BaseDirectory, "voice-edge-smoke.dll")} --outputs {outputs} --timeout 10",
            new Dictionary<string, string?> { ["SMOKE_AUTH_JWT_SECRET"] = jwtSecret, ["SMOKE_RELAY_SIGNING_KEY"] = signingKey, ["SMOKE_ORIGIN"] = Origin });

    [Fact]
    public void Passes_against_the_loopback_path_and_skips_the_tls_checks_explicitly()
    {
        var (exit, stdout, stderr) = Smoke(OutputsFile(), JwtSecret, SigningKey);
        Assert.True(exit == 0, stdout + stderr);
        var rows = stdout.Split('\n');
        Assert.Contains(rows, r => r.StartsWith("HTTP redirects to HTTPS", StringComparison.Ordinal) && r.Contains("SKIP", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("TLS certificate valid", StringComparison.Ordinal) && r.Contains("SKIP", StringComparison.Ordinal));
        foreach (var check in new[] { "Worker /health", "Relay /health (ws host)", "WebSocket 101 via the Worker", "WebSocket 101 via the ws host" })
            Assert.Contains(rows, r => r.StartsWith(check, StringComparison.Ordinal) && r.Contains("PASS", StringComparison.Ordinal));
    }

    [Fact]
    public void Fails_with_a_non_zero_exit_when_a_credential_is_wrong()
    {
        var (exit, stdout, _) = Smoke(OutputsFile(), JwtSecret, "not-the-signing-key");
        Assert.Equal(1, exit);
        Assert.Contains(stdout.Split('\n'), r => r.StartsWith("WebSocket 101 via the ws host", StringComparison.Ordinal) && r.Contains("FAIL", StringComparison.Ordinal) && r.Contains("403", StringComparison.Ordinal));
        var (exit2, stdout2, _) = Smoke(OutputsFile(), "wrong-jwt-secret", SigningKey);
        Assert.Equal(1, exit2);
        Assert.Contains(stdout2.Split('\n'), r => r.StartsWith("WebSocket 101 via the Worker", StringComparison.Ordinal) && r.Contains("FAIL", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreadable_outputs_exit_2_with_a_message()
    {
        var path = Path.Combine(Path.GetTempPath(), $"voice-edge-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\"workerHealthUrl\": \"http://127.0.0.1:1/\"}");
        var (exit, _, stderr) = Smoke(path, JwtSecret, SigningKey);
        Assert.Equal(2, exit);
        Assert.Contains("browserUrl", stderr);
    }

    [Fact]
    public void Mints_relay_tokens_that_match_the_shared_vector()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Repo.Path("tests", "vectors", "relay-token.json")));
        var v = doc.RootElement;
        Assert.Equal(v.GetProperty("header").GetString(),
            Credentials.RelayToken(v.GetProperty("signingKey").GetString()!, v.GetProperty("exp").GetInt64(), v.GetProperty("session").GetString()!));
    }

    public async Task DisposeAsync()
    {
        if (_worker is { HasExited: false }) _worker.Kill(entireProcessTree: true);
        _worker?.Dispose();
        if (_relay is not null) { await _relay.StopAsync(); await _relay.DisposeAsync(); }
        if (_backend is not null) { await _backend.StopAsync(); await _backend.DisposeAsync(); }
    }
}
