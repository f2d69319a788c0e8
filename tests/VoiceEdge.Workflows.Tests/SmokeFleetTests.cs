using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceEdge.Smoke;

namespace VoiceEdge.Workflows.Tests;

/// <summary>
/// The smoke command on a fleet stack's outputs (infra/README.md "A fleet of relays": `relays`, and per relay
/// `relayHealthUrl-&lt;name&gt;` / `twilioUrl-&lt;name&gt;`): one row per relay, a draining relay's skipped, against a loopback
/// Kestrel that answers /health as a relay would.
/// </summary>
public sealed class SmokeFleetTests : IAsyncLifetime
{
    private WebApplication? _relay;
    private int _port;

    public async Task InitializeAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        _relay = builder.Build();
        _relay.MapGet("/health", () => Results.Json(new { status = "ok", draining = false }));
        _relay.MapGet("/voice/health", () => Results.Json(new { status = "ok" }));
        await _relay.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync();
    }

    private string Outputs() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["browserUrl"] = $"ws://127.0.0.1:{_port}/voice/ws",
        ["workerHealthUrl"] = $"http://127.0.0.1:{_port}/voice/health",
        ["relays"] = """[{"name":"weu","url":"https://ws-weu.example.io","region":"westeurope","latitude":52.3667,"longitude":4.9,"draining":false},{"name":"eus","url":"https://ws-eus.example.io","region":"eastus","latitude":37.3719,"longitude":-79.8164,"draining":true}]""",
        ["relayHealthUrl-weu"] = $"http://127.0.0.1:{_port}/health",
        ["twilioUrl-weu"] = $"ws://127.0.0.1:{_port}/twilio/stream",
        ["relayHealthUrl-eus"] = "http://127.0.0.1:9/health",
        ["twilioUrl-eus"] = "ws://127.0.0.1:9/twilio/stream",
    });

    [Fact]
    public void A_fleets_outputs_name_every_relay_with_its_urls()
    {
        var outputs = StackOutputs.Parse(Outputs());
        Assert.Null(outputs.RelayHealthUrl);
        Assert.Equal(["weu", "eus"], outputs.FleetRelays.Select(r => r.Name));
        Assert.Equal(new Uri($"http://127.0.0.1:{_port}/health"), outputs.FleetRelays[0].HealthUrl);
        Assert.Equal(new Uri($"ws://127.0.0.1:{_port}/api/chat"), outputs.FleetRelays[0].ChatUrl);
        Assert.Equal([false, true], outputs.FleetRelays.Select(r => r.Draining));
        Assert.Empty(StackOutputs.Parse(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["browserUrl"] = "wss://example.com/voice/ws", ["workerHealthUrl"] = "https://example.com/voice/health", ["relayHealthUrl"] = "https://ws.example.com/health",
        })).FleetRelays);
    }

    [Fact]
    public async Task Each_relay_gets_its_own_rows_and_a_draining_one_is_skipped()
    {
        var results = await new SmokeChecks(StackOutputs.Parse(Outputs()), new SmokeSecrets(null, null, null), TimeSpan.FromSeconds(5)).RunAsync();
        var byName = results.ToDictionary(r => r.Name);
        Assert.Equal(Outcome.Pass, byName["Relay weu /health (ws host)"].Outcome);
        Assert.Equal(Outcome.Skip, byName["Relay eus /health (ws host)"].Outcome);
        Assert.Equal("draining", byName["Relay eus /health (ws host)"].Detail);
        Assert.Equal(Outcome.Skip, byName["WebSocket 101 via relay eus's ws host"].Outcome);
        Assert.Equal(Outcome.Fail, byName["WebSocket 101 via relay weu's ws host"].Outcome); // no signing key given: it tried this relay
        Assert.Equal(Outcome.Pass, byName["Worker /health"].Outcome);
        Assert.DoesNotContain(results, r => r.Name == "Relay /health (ws host)");
    }
}
