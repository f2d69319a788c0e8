using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>What the VM runs: cloud-init, the systemd unit, the Caddyfile, and the published relay itself.</summary>
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
        Assert.Contains("PasswordAuthentication no", text);
    }

    [Fact]
    public void The_systemd_unit_is_hardened_and_restarts_on_failure()
    {
        var directives = File.ReadAllLines(Deploy("voice-edge-relay.service"))
            .Where(l => l.Contains('=') && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Select(p => p[1]).ToList());
        Assert.Equal("voice-edge", directives["User"].Single());
        Assert.Equal("true", directives["NoNewPrivileges"].Single());
        Assert.Equal("strict", directives["ProtectSystem"].Single());
        Assert.Equal("true", directives["PrivateTmp"].Single());
        Assert.Equal("on-failure", directives["Restart"].Single());
        Assert.Equal("SIGTERM", directives["KillSignal"].Single());
        Assert.Equal("/etc/voice-edge/relay.env", directives["EnvironmentFile"].Single());
        Assert.Contains("ASPNETCORE_URLS=http://127.0.0.1:8999", directives["Environment"]);
        Assert.True(int.Parse(directives["TimeoutStopSec"].Single(), System.Globalization.CultureInfo.InvariantCulture) > 10 + 10,
            "the stop timeout must exceed the drain grace plus the close handshake");
    }

    [Fact]
    public void Caddy_proxies_the_ws_host_to_the_relay_on_loopback()
    {
        var text = File.ReadAllText(Deploy("Caddyfile"));
        Assert.Contains("{$VOICE_EDGE_WS_HOST} {", text);
        Assert.Contains("reverse_proxy 127.0.0.1:8999", text);
        Assert.Contains("VOICE_EDGE_WS_HOST=", File.ReadAllText(Deploy("install.sh")));
    }

    [Theory]
    [InlineData("install.sh")]
    [InlineData("publish.sh")]
    public void Deploy_scripts_parse(string script)
    {
        var (exit, output) = Run("bash", $"-n {Deploy(script)}");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task The_published_relay_starts_and_serves_health()
    {
        var outDir = Directory.CreateTempSubdirectory("voice-edge-publish-").FullName;
        try
        {
            var (exit, output) = Run("bash", $"{Deploy("publish.sh")} {outDir}");
            Assert.True(exit == 0, output);
            Assert.True(File.Exists(Path.Combine(outDir, "voice-edge-relay")), "self-contained executable");
            Assert.True(File.Exists(Path.Combine(outDir, "deploy", "voice-edge-relay.service")));
            Assert.True(File.Exists(Path.Combine(outDir, "deploy", "Caddyfile")));

            await using var upstream = await EchoUpstream.StartAsync();
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var start = new ProcessStartInfo(Path.Combine(outDir, "voice-edge-relay"), $"--urls http://127.0.0.1:{port}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = outDir,
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
}
