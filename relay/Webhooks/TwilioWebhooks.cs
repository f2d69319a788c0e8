using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Fleet;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>
/// Twilio's HTTP webhooks, both signed and checked by <see cref="TwilioWebhookRequest"/>:
/// <list type="bullet">
/// <item><c>POST /twilio/voice</c> (the phone number's "A call comes in" URL): answers TwiML that connects the call to
/// /twilio/stream with a per-call token, then a bounded &lt;Redirect&gt; back here for when the relay ends the stream
/// (<see cref="CallContinuation"/>); 503 while the relay drains, so Twilio can use the number's fallback URL;</item>
/// <item><c>POST /twilio/status</c> (status callbacks): logs the call SID and status, answers 204.</item>
/// </list>
/// </summary>
public static partial class TwilioWebhooks
{
    public const string VoicePath = "/twilio/voice";
    public const string StatusPath = "/twilio/status";

    public static void MapTwilioWebhooks(this WebApplication app)
    {
        app.MapPost(VoicePath, HandleVoiceAsync);
        app.MapPost(StatusPath, HandleStatusAsync);
    }

    private static async Task HandleVoiceAsync(HttpContext context, IOptions<RelayOptions> options, TwilioCallToken tokens, TimeProvider clock,
        DrainCoordinator drain, RelayMetrics metrics, ILoggerFactory loggers, FleetHealth fleet)
    {
        var o = options.Value;
        var logger = loggers.CreateLogger(typeof(TwilioWebhooks));
        // A relay drained by configuration in a fleet still places calls, on the other relays (its own health says draining).
        if (drain.IsStopping || (drain.IsDraining && !o.HasFleet))
        {
            context.Response.Headers.RetryAfter = "5";
            await RefuseAsync(context, metrics, logger, "voice", new(StatusCodes.Status503ServiceUnavailable, "draining", "relay draining; retry shortly"));
            return;
        }
        var (webhook, refusal) = await TwilioWebhookRequest.VerifyAsync(context, o, VoicePath);
        if (refusal is not null)
        {
            await RefuseAsync(context, metrics, logger, "voice", refusal);
            return;
        }
        var callSid = webhook!["CallSid"];
        if (!TwilioCallToken.IsCallSid(callSid))
        {
            await RefuseAsync(context, metrics, logger, "voice", new(StatusCodes.Status400BadRequest, "bad-call-sid", "CallSid missing or not a Call SID"));
            return;
        }
        var attempt = context.Request.Query.TryGetValue(CallContinuation.AttemptParameter, out var a) ? a.ToString() : null;
        string twiml;
        if (o.HasFleet)
        {
            twiml = await FleetTwiml.BuildAsync(context, o, tokens, clock, fleet, callSid!, attempt, logger);
        }
        else
        {
            var token = tokens.Mint(callSid!, o.TwilioAccountSid!, clock.GetUtcNow());
            var then = CallContinuation.For(TwilioWebhookRequest.PublicHttpUrl(o.PublicBaseUrl!, VoicePath), attempt, o.TwilioRedirectAttempts);
            twiml = StreamTwiml.Build(TwilioWebhookRequest.PublicUrl(o.PublicBaseUrl!, RelayEndpoints.TwilioPath), token, then);
        }
        metrics.TwilioWebhooks.WithLabels("voice", "answered").Inc();
        RelayLog.TwilioVoiceAnswered(logger, callSid!);
        context.Response.ContentType = "text/xml; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(twiml);
    }

    private static async Task HandleStatusAsync(HttpContext context, IOptions<RelayOptions> options, RelayMetrics metrics, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(TwilioWebhooks));
        var (webhook, refusal) = await TwilioWebhookRequest.VerifyAsync(context, options.Value, StatusPath);
        if (refusal is not null)
        {
            await RefuseAsync(context, metrics, logger, "status", refusal);
            return;
        }
        var callSid = webhook!["CallSid"];
        var status = webhook["CallStatus"];
        // Both are logged: only in the shapes Twilio sends, so a log line never carries anything else.
        RelayLog.TwilioStatus(logger, TwilioCallToken.IsCallSid(callSid) ? callSid! : "invalid",
            status is not null && StatusPattern().IsMatch(status) ? status : "other");
        metrics.TwilioWebhooks.WithLabels("status", "recorded").Inc();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static Task RefuseAsync(HttpContext context, RelayMetrics metrics, ILogger logger, string hook, WebhookRefusal refusal)
    {
        metrics.TwilioWebhooks.WithLabels(hook, refusal.Outcome).Inc();
        RelayLog.TwilioWebhookRefused(logger, hook, refusal.Status, refusal.Outcome);
        context.Response.StatusCode = refusal.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(refusal.Message + "\n");
    }

    /// <summary>Twilio's call statuses are lowercase words with dashes (queued, ringing, in-progress, completed, no-answer, ...).</summary>
    [GeneratedRegex("^[a-z][a-z-]{0,31}\\z")]
    private static partial Regex StatusPattern();
}
