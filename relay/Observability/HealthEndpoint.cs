using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Observability;

/// <summary>
/// Liveness and readiness. <c>GET /health/live</c> is 200 whenever the process serves HTTP, draining included:
/// the deploy waits on it, and a drain must not look like a dead process (a liveness check that failed then
/// would get the relay killed before its calls end). <c>GET /health</c> is readiness: 200 only when the relay takes calls and can reach
/// its backends; 503 while draining or when a backend is unreachable, naming which. Neither body carries a
/// URL, host or secret: backends are named by role and by the setting that configures them.
/// </summary>
public static class HealthEndpoint
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health";

    public static void MapHealth(this WebApplication app)
    {
        app.MapGet(LivePath, (DrainCoordinator drain, IOptions<RelayOptions> options) =>
            Results.Json(new LiveBody("live", drain.IsDraining, options.Value.Build, drain.IsHandingOver, drain.OpenCalls), HealthJson.Default.LiveBody));

        app.MapGet(ReadyPath, async (HttpContext context, IOptions<RelayOptions> options, DrainCoordinator drain,
            ConnectionLimiter limiter, BackendReachability backends) =>
        {
            var states = await backends.CheckAsync(context.RequestAborted);
            var unreachable = states.Where(b => b.Status == BackendStatus.Unreachable).Select(b => b.Name).ToArray();
            var status = drain.IsDraining ? "draining" : unreachable.Length > 0 ? "backend-unreachable" : "ok";
            var body = new ReadyBody(
                status,
                drain.IsDraining,
                states.ToDictionary(b => b.Name, b => new BackendBody(b.Setting, Describe(b.Status))),
                unreachable,
                limiter.InUse,
                options.Value.MaxConnections,
                options.Value.Build,
                drain.IsHandingOver,
                options.Value.Name);
            return Results.Json(body, HealthJson.Default.ReadyBody,
                statusCode: status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    private static string Describe(BackendStatus status) => status switch
    {
        BackendStatus.Reachable => "reachable",
        BackendStatus.Unreachable => "unreachable",
        _ => "not-configured",
    };
}

public sealed record LiveBody(string Status, bool Draining, string Build, bool HandingOver, int Calls);

public sealed record BackendBody(string Setting, string State);

/// <param name="Name">The relay's fleet name (Relay:Name; empty for a single relay).</param>
public sealed record ReadyBody(string Status, bool Draining, Dictionary<string, BackendBody> Backends, string[] Unreachable, int OpenCalls, int MaxCalls,
    string Build, bool HandingOver, string Name);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(LiveBody))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReadyBody))]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
