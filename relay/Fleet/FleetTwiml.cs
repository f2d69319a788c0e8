using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Webhooks;

namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// The voice webhook's TwiML in a fleet: the relays ordered by the chooser's rule from Twilio's Region
/// (<see cref="TwilioRegions"/>), the stream placed on the first that is not the one the previous placement streamed to
/// (<see cref="FleetPlacement"/>), a call token naming that relay, and a continuation &lt;Redirect&gt; to another relay's
/// voice webhook that names the stream's relay to avoid next time.
/// </summary>
public static class FleetTwiml
{
    public static async Task<string> BuildAsync(HttpContext context, RelayOptions o, TwilioCallToken tokens, TimeProvider clock, FleetHealth health,
        string callSid, string? attempt, ILogger logger)
    {
        var relays = FleetRules.Relays(o);
        var self = relays.First(r => r.Name == o.Name);
        var (region, place) = TwilioRegions.Of(context.Request.Headers[TwilioRegions.HeaderName]);
        var avoidValue = context.Request.Query.TryGetValue(CallContinuation.AvoidParameter, out var v) ? v.ToString() : null;
        var avoid = FleetRules.IsName(avoidValue) && relays.Any(r => r.Name == avoidValue) ? avoidValue : null;
        // Two ready relays are enough: one for the stream, one for the continuation.
        var order = await FleetChooser.OrderAsync(relays, place, r => health.OfAsync(r, context.RequestAborted), want: avoid is null ? 2 : 3);
        var placed = FleetPlacement.Choose(order, self, avoid);
        var token = tokens.MintFor(placed.Stream.Name, callSid, o.TwilioAccountSid!, clock.GetUtcNow());
        // This relay's own stream URL is its PublicBaseUrl's, as without a fleet.
        var streamUrl = placed.Stream.Name == self.Name ? TwilioWebhookRequest.PublicUrl(o.PublicBaseUrl!, Relaying.RelayEndpoints.TwilioPath) : placed.Stream.StreamUrl;
        var voiceUrl = placed.Continuation.Name == self.Name ? TwilioWebhookRequest.PublicHttpUrl(o.PublicBaseUrl!, TwilioWebhooks.VoicePath) : placed.Continuation.VoiceUrl;
        var then = CallContinuation.For(voiceUrl, attempt, o.TwilioRedirectAttempts, placed.Stream.Name);
        FleetLog.CallPlaced(logger, callSid, placed.Stream.Name, placed.Continuation.Name, region, CallContinuation.Made(attempt, o.TwilioRedirectAttempts), avoid ?? "");
        return StreamTwiml.Build(streamUrl, token, then);
    }
}
