using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace VoiceEdge.Smoke;

public enum Outcome { Pass, Fail, Skip }

public sealed record CheckResult(string Name, Outcome Outcome, string Detail);

public sealed record SmokeSecrets(string? AuthJwtSecret, string? RelaySigningKey, string? Origin);

/// <summary>The runbook's curl and wscat checks, automated, against one stack's outputs.</summary>
public sealed class SmokeChecks(StackOutputs outputs, SmokeSecrets secrets, TimeSpan timeout)
{
    public async Task<IReadOnlyList<CheckResult>> RunAsync()
    {
        if (outputs.FleetRelays.Count > 0) return await FleetAsync();
        return
        [
            await Guard("HTTP redirects to HTTPS", HttpsRedirectAsync),
            await Guard("TLS certificate valid", TlsAsync),
            await Guard("Worker /health", () => HealthAsync(outputs.WorkerHealthUrl)),
            await Guard("Relay /health (ws host)", () => outputs.RelayHealthUrl is null ? Skip("no relayHealthUrl output (preview stack)") : HealthAsync(outputs.RelayHealthUrl)),
            await Guard("WebSocket 101 via the Worker", WorkerWebSocketAsync),
            await Guard("WebSocket 101 via the ws host", () => RelayWebSocketAsync(outputs.RelayChatUrl)),
        ];
    }

    /// <summary>A fleet: the Worker's checks once, each relay's on its own ws host; a draining relay's are skipped (its /health is 503 by design).</summary>
    private async Task<IReadOnlyList<CheckResult>> FleetAsync()
    {
        var results = new List<CheckResult>
        {
            await Guard("HTTP redirects to HTTPS", HttpsRedirectAsync),
            await Guard("TLS certificate valid", TlsAsync),
            await Guard("Worker /health", () => HealthAsync(outputs.WorkerHealthUrl)),
            await Guard("WebSocket 101 via the Worker", WorkerWebSocketAsync),
        };
        foreach (var relay in outputs.FleetRelays)
        {
            results.Add(await Guard($"Relay {relay.Name} /health (ws host)", () =>
                relay.Draining ? Skip("draining") : relay.HealthUrl is null ? Skip($"no relayHealthUrl-{relay.Name} output") : HealthAsync(relay.HealthUrl)));
            results.Add(await Guard($"WebSocket 101 via relay {relay.Name}'s ws host", () =>
                relay.Draining ? Skip("draining") : RelayWebSocketAsync(relay.ChatUrl)));
        }
        return results;
    }

    private static Task<CheckResult> Skip(string why) => Task.FromResult(new CheckResult("", Outcome.Skip, why));

    private static async Task<CheckResult> Guard(string name, Func<Task<CheckResult>> check)
    {
        try
        {
            return (await check()) with { Name = name };
        }
        catch (Exception e) when (e is HttpRequestException or WebSocketException or OperationCanceledException or IOException)
        {
            return new CheckResult(name, Outcome.Fail, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<CheckResult> HttpsRedirectAsync()
    {
        if (!outputs.IsPublic) return await Skip("loopback target (http)");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = timeout };
        var plain = new UriBuilder(outputs.WorkerHealthUrl) { Scheme = "http", Port = 80 }.Uri;
        using var response = await http.GetAsync(plain);
        var location = response.Headers.Location?.ToString() ?? "";
        return (int)response.StatusCode is 301 or 302 or 307 or 308 && location.StartsWith("https://", StringComparison.Ordinal)
            ? new CheckResult("", Outcome.Pass, $"{(int)response.StatusCode} -> {location}")
            : new CheckResult("", Outcome.Fail, $"{(int)response.StatusCode}, Location `{location}`");
    }

    private async Task<CheckResult> TlsAsync()
    {
        if (!outputs.IsPublic) return await Skip("loopback target (http)");
        using var http = new HttpClient { Timeout = timeout };
        using var response = await http.GetAsync(outputs.WorkerHealthUrl);
        return new CheckResult("", Outcome.Pass, $"handshake ok ({outputs.WorkerHealthUrl.Host})");
    }

    private async Task<CheckResult> HealthAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = timeout };
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK
            ? new CheckResult("", Outcome.Pass, $"200 {Shorten(body)}")
            : new CheckResult("", Outcome.Fail, $"{(int)response.StatusCode} {Shorten(body)}");
    }

    private async Task<CheckResult> WorkerWebSocketAsync()
    {
        if (string.IsNullOrEmpty(secrets.AuthJwtSecret)) return new CheckResult("", Outcome.Fail, "SMOKE_AUTH_JWT_SECRET not set");
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.AddSubProtocol("voice-edge");
        ws.Options.AddSubProtocol("bearer." + Credentials.UserJwt(secrets.AuthJwtSecret, DateTimeOffset.UtcNow));
        ws.Options.SetRequestHeader("Origin", secrets.Origin ?? $"https://{outputs.BrowserUrl.Host}");
        if (!await TryConnectAsync(ws, outputs.BrowserUrl)) return new CheckResult("", Outcome.Fail, $"HTTP {(int)ws.HttpStatusCode}");
        // The Worker hands the call to the runtime after the 101 (native pass-through), so nothing at the edge answers
        // an application message: what is checked is the upgrade through the Worker and a close that completes end to
        // end (the relay and the voice backend answer it).
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "smoke test", Cancel());
        return new CheckResult("", Outcome.Pass, $"101 ({ws.SubProtocol ?? "no subprotocol"}), closed with {(int?)ws.CloseStatus}");
    }

    private async Task<CheckResult> RelayWebSocketAsync(Uri? chatUrl)
    {
        if (chatUrl is not { } url) return new CheckResult("", Outcome.Skip, "no twilioUrl output (preview stack)");
        if (string.IsNullOrEmpty(secrets.RelaySigningKey)) return new CheckResult("", Outcome.Fail, "SMOKE_RELAY_SIGNING_KEY not set");
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        var exp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30;
        ws.Options.SetRequestHeader("X-Voice-Edge-Auth", Credentials.RelayTokenV2(secrets.RelaySigningKey, exp, "smoke-" + Guid.NewGuid().ToString("N")[..12], Credentials.SmokeUser, null));
        if (!await TryConnectAsync(ws, url)) return new CheckResult("", Outcome.Fail, $"HTTP {(int)ws.HttpStatusCode}");
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "smoke test", Cancel());
        return new CheckResult("", Outcome.Pass, $"101 at {url}");
    }

    private async Task<bool> TryConnectAsync(ClientWebSocket ws, Uri url)
    {
        try
        {
            await ws.ConnectAsync(url, Cancel());
            return true;
        }
        catch (WebSocketException) when (ws.HttpStatusCode != 0)
        {
            return false;
        }
    }


    private CancellationToken Cancel() => new CancellationTokenSource(timeout).Token;

    private static string Shorten(string text) => text.Length <= 80 ? text.Trim() : text[..80].Trim() + "…";
}
