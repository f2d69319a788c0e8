using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The real relay process on a socket passed the way systemd passes it (voice-edge-relay.socket, Sockets= in the
/// template unit): systemd-socket-activate binds the port, execs the relay with the socket at fd 3, LISTEN_FDS=1
/// and LISTEN_PID = its pid. The relay must serve that socket (its --urls names a port it could not bind) and say
/// its build from Relay__Build; SIGTERM then hands over and, with no call open, exits at once.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SocketActivationProcessTests
{
    private const string Activate = "/usr/bin/systemd-socket-activate";

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Sockets")]
    public async Task The_relay_serves_the_socket_systemd_passes_and_names_its_build(string transport)
    {
        Assert.True(File.Exists(Activate), $"{Activate} is missing (apt-get install systemd)");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "/usr/bin/dotnet";
        var start = new ProcessStartInfo(Activate) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-l");
        start.ArgumentList.Add($"127.0.0.1:{port}");
        // systemd-socket-activate gives the process only the variables named here (as systemd gives a unit its own).
        foreach (var (key, value) in new Dictionary<string, string?>
                 {
                     ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
                     ["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/tmp",
                     ["DOTNET_ROOT"] = Environment.GetEnvironmentVariable("DOTNET_ROOT"),
                     ["Relay__Build"] = "socket-activated-7",
                     ["Relay__Transport"] = transport,
                     ["Relay__SigningKey"] = "socket-activation-test-key",
                     ["Relay__Upstream"] = "ws://127.0.0.1:1/api/chat",
                     ["Relay__TwilioUpstream"] = "ws://127.0.0.1:1/twilio",
                     ["Relay__PublicBaseUrl"] = "wss://ws.example.test",
                 })
        {
            if (value is null) continue;
            start.ArgumentList.Add("-E");
            start.ArgumentList.Add($"{key}={value}");
        }
        start.ArgumentList.Add(dotnet);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "voice-edge-relay.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:1"); // a relay that bound this instead would never answer on the passed socket
        using var relay = Process.Start(start)!;
        var stdout = relay.StandardOutput.ReadToEndAsync();
        var stderr = relay.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? body = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && body is null && !relay.HasExited)
            {
                try
                {
                    var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/live"));
                    if (response.StatusCode == HttpStatusCode.OK) body = await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                if (body is null) await Task.Delay(200);
            }
            if (body is null) Assert.Fail($"no /health/live on the passed socket (exited: {relay.HasExited})\n{await Drain(relay, stdout, stderr)}");
            Assert.Contains("\"build\":\"socket-activated-7\"", body);
            Assert.Contains("\"handingOver\":false", body);

            // SIGTERM on an inherited socket hands over; with no call open the relay exits promptly and cleanly.
            using (var kill = Process.Start("kill", $"-TERM {relay.Id}")) kill.WaitForExit();
            Assert.True(relay.WaitForExit(TimeSpan.FromSeconds(30)), "the relay did not exit after SIGTERM with no call open");
            if (relay.ExitCode != 0) Assert.Fail($"exit {relay.ExitCode}\n{await Drain(relay, stdout, stderr)}");
            Assert.Contains("handing over: build socket-activated-7", await stdout + await stderr);
        }
        finally
        {
            if (!relay.HasExited) relay.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string> Drain(Process relay, Task<string> stdout, Task<string> stderr)
    {
        if (!relay.HasExited) relay.Kill(entireProcessTree: true);
        return await stdout + await stderr;
    }
}
