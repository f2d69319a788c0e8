using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The real relay process started under given descriptor limits (util-linux <c>prlimit</c> sets them and execs it):
/// it raises its soft RLIMIT_NOFILE to the hard one, and warns, naming both numbers, when even that cannot hold
/// Relay:MaxConnections calls (out of descriptors the .NET runtime aborts: relay/Hosting/DescriptorLimit.cs).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DescriptorLimitProcessTests
{
    private const string Prlimit = "/usr/bin/prlimit";

    [Fact]
    public async Task The_relay_raises_its_soft_descriptor_limit_to_the_hard_one()
    {
        // A hard limit at most this process's own: raising a hard limit needs privilege.
        var hard = Math.Min(OwnHardLimit(), 8192);
        Assert.True(hard > 1024, $"this test needs a hard descriptor limit above 1024 (it is {hard})");
        var (output, limits) = await RunAsync($"1024:{hard}", maxConnections: 300);
        Assert.Matches($@"Max open files\s+{hard}\s+{hard}\s+files", limits);
        Assert.DoesNotContain("file descriptors", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_that_cannot_hold_max_connections_is_warned_about_with_both_numbers()
    {
        var (output, _) = await RunAsync("600:600", maxConnections: 1000);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("file descriptors", StringComparison.Ordinal));
        Assert.Contains("\"EventId\":230", line, StringComparison.Ordinal);
        Assert.Contains("Relay:MaxConnections 1000 needs about 2256 file descriptors", line, StringComparison.Ordinal);
        Assert.Contains("the limit is 600", line, StringComparison.Ordinal);
    }

    /// <summary>Starts the relay under the limits, waits until it serves, reads /proc/&lt;pid&gt;/limits, stops it; returns its output and limits.</summary>
    private static async Task<(string Output, string Limits)> RunAsync(string nofile, int maxConnections)
    {
        Assert.True(File.Exists(Prlimit), $"{Prlimit} is missing (apt-get install util-linux)");
        var port = FreePort();
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "/usr/bin/dotnet";
        var start = new ProcessStartInfo(Prlimit) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"--nofile={nofile}", "--", dotnet, Path.Combine(AppContext.BaseDirectory, "voice-edge-relay.dll"), "--urls", $"http://127.0.0.1:{port}" })
            start.ArgumentList.Add(arg);
        start.Environment["Relay__SigningKey"] = "descriptor-limit-test-key";
        start.Environment["Relay__Upstream"] = "ws://127.0.0.1:1/api/chat";
        start.Environment["Relay__TwilioUpstream"] = "ws://127.0.0.1:1/twilio";
        start.Environment["Relay__PublicBaseUrl"] = "wss://ws.example.test";
        start.Environment["Relay__MaxConnections"] = maxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var relay = Process.Start(start)!;
        var stdout = relay.StandardOutput.ReadToEndAsync();
        var stderr = relay.StandardError.ReadToEndAsync();
        string limits;
        try
        {
            var served = await ServesAsync(new Uri($"http://127.0.0.1:{port}/health/live"), TimeSpan.FromSeconds(60));
            limits = relay.HasExited ? "" : await File.ReadAllTextAsync($"/proc/{relay.Id}/limits");
            if (!served) limits = "not served";
        }
        finally
        {
            if (!relay.HasExited) relay.Kill(entireProcessTree: true);
        }
        var output = await stdout + await stderr;
        Assert.True(limits != "not served", $"the relay never served\n{output}");
        return (output, limits);
    }

    private static async Task<bool> ServesAsync(Uri url, TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync(url).ConfigureAwait(false)).StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200).ConfigureAwait(false);
        }
        return false;
    }

    private static long OwnHardLimit()
    {
        var line = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields[1] == "unlimited" ? long.MaxValue : long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
