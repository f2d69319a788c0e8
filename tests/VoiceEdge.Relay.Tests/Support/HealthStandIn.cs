using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// Another relay of the fleet as the voice webhook reads it: a Kestrel server on loopback whose <c>GET /health</c> answers
/// what the test sets (the relay's /health shape), counting reads.
/// </summary>
public sealed class HealthStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _reads;

    public Uri BaseUri { get; }

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>The status and JSON body /health answers next.</summary>
    public (int Status, string Body) Answer { get; set; } = Ok(0);

    /// <summary>When set, /health accepts the request and never answers (until the client gives up).</summary>
    public bool Hang { get; set; }

    public static (int, string) Ok(int openCalls, int maxCalls = 100) =>
        (200, $$"""{"status":"ok","draining":false,"openCalls":{{openCalls}},"maxCalls":{{maxCalls}}}""");

    public static readonly (int, string) Draining = (503, """{"status":"draining","draining":true,"openCalls":1,"maxCalls":100}""");

    private HealthStandIn(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public static async Task<HealthStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        HealthStandIn? self = null;
        app.MapGet("/health", async (HttpContext context) =>
        {
            Interlocked.Increment(ref self!._reads);
            if (self.Hang)
            {
                try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
                catch (OperationCanceledException) { }
                return Results.Empty;
            }
            var (status, body) = self.Answer;
            return Results.Content(body, "application/json", statusCode: status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new HealthStandIn(app, new Uri(address));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
