using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// What the deploy scripts talk to on the VM, on loopback (Kestrel): the relay's health endpoints, Azure's
/// instance metadata service (managed identity tokens) and the blob service. The shapes follow the
/// documentation: IMDS token response and its required <c>Metadata: true</c> header
/// (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http),
/// Get Blob with a bearer token and <c>x-ms-version</c> (https://learn.microsoft.com/rest/api/storageservices/get-blob).
/// </summary>
public sealed class DeployStandIns : IAsyncDisposable
{
    public const string Token = "stand-in-access-token";
    public const string BlobPath = "/relay-packages/voice-edge-relay-test.tar.gz";

    private LoopbackHost _host = null!;

    private DeployStandIns() { }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Status of GET /health/live: 200 once the process serves.</summary>
    public int LiveStatus { get; set; } = 200;

    /// <summary>The build GET /health/live names (the relay's Relay__Build).</summary>
    public Func<string> Build { get; set; } = () => "dev";

    /// <summary>Status of GET /health: 503 while the voice backend is unreachable.</summary>
    public int ReadyStatus { get; set; } = 503;

    /// <summary>The package the blob endpoint serves.</summary>
    public byte[] Package { get; set; } = [];

    /// <summary>How many blob requests are refused with 403 first (a role assignment still propagating).</summary>
    public int RefuseBlobTimes { get; set; }

    /// <summary>When set, every blob request gets this status (a failure the deploy must not retry).</summary>
    public int? ForceBlobStatus { get; set; }

    public ConcurrentQueue<string> TokenResources { get; } = new();

    public ConcurrentQueue<int> BlobResponses { get; } = new();

    public static async Task<DeployStandIns> StartAsync()
    {
        var s = new DeployStandIns();
        s._host = await LoopbackHost.StartAsync(app => s.Map(app));
        s.BaseUri = s._host.BaseUri;
        return s;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live", draining = false, build = Build(), handingOver = false, calls = 0 }, statusCode: LiveStatus));
        app.MapGet("/health", () => Results.Json(
            new { status = ReadyStatus == 200 ? "ok" : "upstream-unreachable", upstreamReachable = ReadyStatus == 200 },
            statusCode: ReadyStatus));
        app.MapGet("/metadata/identity/oauth2/token", (HttpContext c) =>
        {
            if (c.Request.Headers["Metadata"] != "true") return Results.BadRequest();
            TokenResources.Enqueue(c.Request.Query["resource"].ToString());
            return Results.Json(new
            {
                access_token = Token,
                expires_in = "86399",
                resource = c.Request.Query["resource"].ToString(),
                token_type = "Bearer",
            });
        });
        app.MapGet(BlobPath, (HttpContext c) =>
        {
            int status;
            if (ForceBlobStatus is { } forced) status = forced;
            else if (c.Request.Headers.Authorization != $"Bearer {Token}" || string.IsNullOrEmpty(c.Request.Headers["x-ms-version"])) status = 401;
            else if (RefuseBlobTimes > 0) { RefuseBlobTimes--; status = 403; }
            else status = 200;
            BlobResponses.Enqueue(status);
            return status == 200 ? Results.Bytes(Package, "application/gzip") : Results.StatusCode(status);
        });
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
