namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// Where a Twilio Region handles a call's media, so the stream goes to the relay nearest it. Twilio sends every webhook
/// with the header <c>X-Home-Region</c> (e.g. <c>us1</c>: it is in captured Twilio webhook requests next to
/// <c>X-Twilio-Signature</c> and <c>I-Twilio-Idempotency-Token</c>; Twilio's docs do not list it, so an absent or unknown
/// value falls back to <see cref="Default"/>). The call's audio reaches the relay from
/// Twilio's media servers in that Region, not from the caller's country, so the Region is what the stream's leg
/// depends on; a call handled in US1 (the default unless the number's inbound processing Region was moved,
/// https://www.twilio.com/docs/global-infrastructure/inbound-call-processing) streams from US1 wherever the caller is.
/// The coordinates are those of each Region's edge location city
/// (https://www.twilio.com/docs/global-infrastructure/edge-locations: ashburn, dublin, sydney, tokyo, frankfurt,
/// singapore, sao-paulo; us2 taken as Oregon, the umatilla edge).
/// </summary>
public static class TwilioRegions
{
    public const string HeaderName = "X-Home-Region";

    /// <summary>Twilio's default Region, where a call without the header is handled.</summary>
    public const string Default = "us1";

    private static readonly Dictionary<string, GeoPlace> Places = new(StringComparer.Ordinal)
    {
        ["us1"] = new(39.04, -77.49),   // Ashburn, Virginia
        ["us2"] = new(45.92, -119.33),  // Umatilla, Oregon
        ["ie1"] = new(53.35, -6.26),    // Dublin
        ["de1"] = new(50.11, 8.68),     // Frankfurt
        ["au1"] = new(-33.87, 151.21),  // Sydney
        ["jp1"] = new(35.68, 139.69),   // Tokyo
        ["sg1"] = new(1.35, 103.82),    // Singapore
        ["br1"] = new(-23.55, -46.63),  // São Paulo
    };

    /// <summary>The Region's place: the header's value when it is a known Region, else <see cref="Default"/>'s.</summary>
    public static (string Region, GeoPlace Place) Of(string? header)
    {
        var region = header?.Trim().ToLowerInvariant();
        return region is not null && Places.TryGetValue(region, out var place) ? (region, place) : (Default, Places[Default]);
    }
}
