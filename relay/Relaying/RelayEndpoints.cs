using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// The two relayed paths. Every refusal happens before the upgrade, as plain HTTP: 503 draining, 426 not a
/// WebSocket, 401 missing credentials, 403 bad or expired credentials, 429 over the connection limit.
/// </summary>
public static class RelayEndpoints
{
    public const string ChatPath = "/api/chat";
    public const string TwilioPath = "/twilio/stream";

    public static void MapRelay(this WebApplication app)
    {
        app.Map(ChatPath, HandleChatAsync);
        app.Map(TwilioPath, HandleTwilioAsync);
    }

    private static Task HandleChatAsync(HttpContext context, IOptions<RelayOptions> options, RelayToken tokens, TimeProvider clock,
        ConnectionLimiter limiter, DrainCoordinator drain, RelaySession session, RelayMetrics metrics)
    {
        var route = new RelayRoute("chat", options.Value.Upstream!);
        if (Precheck(context, drain, metrics, route) is { } refused) return refused;
        var check = tokens.Check(context.Request.Headers[RelayToken.HeaderName], clock.GetUtcNow());
        if (!check.IsValid)
        {
            var status = check.Status == TokenStatus.Missing ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            return Refuse(context, metrics, route, status, $"token-{check.Status.ToString().ToLowerInvariant()}",
                check.Status == TokenStatus.Missing ? "relay token missing" : "relay token invalid or expired");
        }
        return RelayWithinLimitAsync(context, limiter, session, metrics, route, check.Session!);
    }

    private static Task HandleTwilioAsync(HttpContext context, IOptions<RelayOptions> options, ConnectionLimiter limiter,
        DrainCoordinator drain, RelaySession session, RelayMetrics metrics)
    {
        var o = options.Value;
        var route = new RelayRoute("twilio", o.TwilioUpstream!);
        if (Precheck(context, drain, metrics, route) is { } refused) return refused;
        string? signature = context.Request.Headers[TwilioSignature.HeaderName];
        if (string.IsNullOrEmpty(signature))
            return Refuse(context, metrics, route, StatusCodes.Status401Unauthorized, "signature-missing", "Twilio signature missing");
        var url = o.PublicBaseUrl!.GetLeftPart(UriPartial.Authority) + o.PublicBaseUrl.AbsolutePath.TrimEnd('/') + TwilioPath;
        if (string.IsNullOrEmpty(o.TwilioAuthToken) || !new TwilioSignature(o.TwilioAuthToken).IsValid(signature, url))
            return Refuse(context, metrics, route, StatusCodes.Status403Forbidden, "signature-invalid", "Twilio signature invalid");
        if (o.TwilioMode == PhoneBridge.TwilioMode.PersonaPlex) return PhoneBridge.PhoneBridgeEndpoint.RunAsync(context, limiter, route.Upstream, $"twilio-{context.TraceIdentifier}");
        return RelayWithinLimitAsync(context, limiter, session, metrics, route, $"twilio-{context.TraceIdentifier}");
    }

    private static Task? Precheck(HttpContext context, DrainCoordinator drain, RelayMetrics metrics, RelayRoute route)
    {
        if (drain.IsDraining)
        {
            context.Response.Headers.RetryAfter = "5";
            return Refuse(context, metrics, route, StatusCodes.Status503ServiceUnavailable, "draining", "relay draining; retry shortly");
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            return Refuse(context, metrics, route, StatusCodes.Status426UpgradeRequired, "not-websocket", "WebSocket upgrade required");
        }
        return null;
    }

    private static async Task RelayWithinLimitAsync(HttpContext context, ConnectionLimiter limiter, RelaySession session, RelayMetrics metrics, RelayRoute route, string sessionId)
    {
        using var lease = limiter.TryAcquire();
        if (lease is null)
        {
            context.Response.Headers.RetryAfter = "1";
            await Refuse(context, metrics, route, StatusCodes.Status429TooManyRequests, "over-limit", "too many calls on this relay");
            return;
        }
        await session.RunAsync(context, route, sessionId);
    }

    private static Task Refuse(HttpContext context, RelayMetrics metrics, RelayRoute route, int status, string reason, string message)
    {
        metrics.Rejected.WithLabels(route.Name, reason).Inc();
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message + "\n");
    }
}
