using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;
using VoiceEdge.Relay.Relaying.Forwarding;
using VoiceEdge.Relay.Relaying.StartGate;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// The two relayed paths. Every refusal happens before the upgrade, as plain HTTP: 503 draining, 426 not a
/// WebSocket, 400 a subprotocol list that is not distinct tokens, 401 missing credentials, 403 bad or expired
/// credentials, 429 over the connection limit or the caller's per-user limit.
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
        ConnectionLimiter limiter, PerUserCallLimiter perUser, DrainCoordinator drain, ForwardingSession forwarder, RelayMetrics metrics)
    {
        var route = new RelayRoute("chat", options.Value.VoiceUpstream!, Pooled: true);
        if (Precheck(context, drain, metrics, route) is { } refused) return refused;
        var check = tokens.Check(context.Request.Headers[RelayToken.HeaderName], clock.GetUtcNow());
        if (TokenRefusal(check.Status) is { } refusal)
            return Refuse(context, metrics, route, refusal.Status, refusal.Reason, refusal.Message);
        return RelayForUserAsync(context, perUser, limiter, forwarder.RunAsync, metrics, route, check);
    }

    /// <summary>Attaches who is calling (v2 tokens) and holds one of the user's slots for the whole call.</summary>
    private static async Task RelayForUserAsync(HttpContext context, PerUserCallLimiter perUser, ConnectionLimiter limiter, Func<HttpContext, RelayRoute, string, Task> run, RelayMetrics metrics, RelayRoute route, TokenCheck check)
    {
        CallerIdentity.Attach(context, new CallerIdentity(check.User, check.ClientIp));
        using var userLease = check.User is null ? null : perUser.TryAcquire(check.User);
        if (check.User is not null && userLease is null)
        {
            context.Response.Headers.RetryAfter = "5";
            await Refuse(context, metrics, route, StatusCodes.Status429TooManyRequests, "over-user-limit", "too many calls for this user");
            return;
        }
        await RelayWithinLimitAsync(context, limiter, run, metrics, route, check.Session!);
    }

    private static Task HandleTwilioAsync(HttpContext context, IOptions<RelayOptions> options, ConnectionLimiter limiter,
        DrainCoordinator drain, ForwardingSession forwarder, RelayMetrics metrics,
        TwilioCallToken callTokens, TimeProvider clock, ILogger<TwilioStartGate> gateLogger)
    {
        var o = options.Value;
        var sessionId = $"twilio-{context.TraceIdentifier}";
        var route = new RelayRoute("twilio", o.TwilioUpstream!);
        if (Precheck(context, drain, metrics, route) is { } refused) return refused;
        string? signature = context.Request.Headers[TwilioSignature.HeaderName];
        if (string.IsNullOrEmpty(signature))
            return Refuse(context, metrics, route, StatusCodes.Status401Unauthorized, "signature-missing", "Twilio signature missing");
        // Twilio signs the full URL it requested, query string included
        // (https://www.twilio.com/docs/usage/webhooks/webhooks-security); the query is passed on, so it must be signed.
        var url = o.PublicBaseUrl!.GetLeftPart(UriPartial.Authority) + o.PublicBaseUrl.AbsolutePath.TrimEnd('/') + TwilioPath
            + context.Request.QueryString.Value;
        if (string.IsNullOrEmpty(o.TwilioAuthToken) || !new TwilioSignature(o.TwilioAuthToken).IsValid(signature, url))
            return Refuse(context, metrics, route, StatusCodes.Status403Forbidden, "signature-invalid", "Twilio signature invalid");
        // Without an account SID no voice webhook mints call tokens, so no stream could pass the start gate.
        if (!o.TwilioConfigured)
            return Refuse(context, metrics, route, StatusCodes.Status403Forbidden, "not-configured", "Twilio account not configured on this relay");
        // The signature only proves Twilio once dialled this URL; the per-call token in the start message proves which call.
        route = route with { Gate = new TwilioStartGate(callTokens, o.TwilioAccountSid!, clock, metrics, gateLogger, sessionId) };
        if (o.TwilioMode == PhoneBridge.TwilioMode.PersonaPlex) return PhoneBridge.PhoneBridgeEndpoint.RunAsync(context, limiter, sessionId, route.Gate);
        return RelayWithinLimitAsync(context, limiter, forwarder.RunAsync, metrics, route, sessionId);
    }

    /// <summary>How a token that is not valid is refused: 401 when missing, 403 otherwise; null when valid.</summary>
    internal static (int Status, string Reason, string Message)? TokenRefusal(TokenStatus status) => status switch
    {
        TokenStatus.Valid => null,
        TokenStatus.Missing => (StatusCodes.Status401Unauthorized, "token-missing", "relay token missing"),
        _ => (StatusCodes.Status403Forbidden, $"token-{status.ToString().ToLowerInvariant()}", "relay token invalid or expired"),
    };

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
        if (!Subprotocols.AreValid(context.WebSockets.WebSocketRequestedProtocols))
            return Refuse(context, metrics, route, StatusCodes.Status400BadRequest, "subprotocol-invalid", "Sec-WebSocket-Protocol must list distinct tokens");
        return null;
    }

    private static async Task RelayWithinLimitAsync(HttpContext context, ConnectionLimiter limiter, Func<HttpContext, RelayRoute, string, Task> run, RelayMetrics metrics, RelayRoute route, string sessionId)
    {
        using var lease = limiter.TryAcquire();
        if (lease is null)
        {
            context.Response.Headers.RetryAfter = "1";
            await Refuse(context, metrics, route, StatusCodes.Status429TooManyRequests, "over-limit", "too many calls on this relay");
            return;
        }
        await run(context, route, sessionId);
    }

    private static Task Refuse(HttpContext context, RelayMetrics metrics, RelayRoute route, int status, string reason, string message)
    {
        metrics.Rejected.WithLabels(route.Name, reason).Inc();
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message + "\n");
    }
}
