using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Webhooks;

namespace VoiceEdge.Relay.Fleet;

/// <summary>One relay of the fleet, checked (<see cref="FleetRules"/>): its name, public base URL, region and place.</summary>
public sealed record FleetRelay(string Name, Uri Url, string Region, GeoPlace Place, bool Draining = false)
{
    /// <summary>Its Media Stream URL: the base with https mapped to wss (http to ws, loopback only) and /twilio/stream.</summary>
    public string StreamUrl => TwilioWebhookRequest.PublicUrl(StreamBase(Url), RelayEndpoints.TwilioPath);

    /// <summary>Its voice webhook's URL (https), where a call's continuation &lt;Redirect&gt; goes.</summary>
    public string VoiceUrl => TwilioWebhookRequest.PublicHttpUrl(Url, TwilioWebhooks.VoicePath);

    /// <summary>Its readiness endpoint.</summary>
    public Uri HealthUrl => new(TwilioWebhookRequest.PublicHttpUrl(Url, "/health"));

    /// <summary>The ws/wss form of an http/https base.</summary>
    public static Uri StreamBase(Uri url) => new UriBuilder(url) { Scheme = url.Scheme == "http" ? "ws" : "wss", Port = url.IsDefaultPort ? -1 : url.Port }.Uri;
}
