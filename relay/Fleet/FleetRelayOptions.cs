namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// One relay of the fleet as the infra program writes it (<c>Relay__Fleet__&lt;i&gt;__Name</c>, <c>__Url</c>, <c>__Region</c>,
/// <c>__Latitude</c>, <c>__Longitude</c>; every relay of the stack, this one included).
/// </summary>
public sealed class FleetRelayOptions
{
    /// <summary>1-12 of [a-z0-9], unique in the fleet (part of the relay's DNS label).</summary>
    public string? Name { get; set; }

    /// <summary>The relay's public https base URL, e.g. https://ws-weu.example.com (http only for a loopback host).</summary>
    public Uri? Url { get; set; }

    /// <summary>Its Azure region, e.g. westeurope.</summary>
    public string? Region { get; set; }

    /// <summary>The region's coordinates, in degrees.</summary>
    public double? Latitude { get; set; }

    public double? Longitude { get; set; }

    /// <summary>Being drained by configuration: no new call is placed on it (its health is not even read).</summary>
    public bool Draining { get; set; }
}
