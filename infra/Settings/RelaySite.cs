namespace VoiceEdge.Infra.Settings;

/// <summary>
/// One relay of a stack: its VM (<see cref="Host"/>: region, size, DNS label), its DNS-only record and voice backends.
/// A stack with today's single-relay keys has one, named "" (its resources keep their names); a fleet stack
/// (<c>voice-edge:relays</c>) has one per entry, each named, and each of its resources is named
/// <c>&lt;name&gt;-&lt;relay&gt;</c> (<see cref="Named"/>), so adding or removing a relay touches no other relay's resources.
/// </summary>
public sealed record RelaySite(
    string Name,
    RelayHostSettings Host,
    string RecordFqdn,
    IReadOnlyList<VoiceBackend> VoiceBackends,
    string TwilioUpstream)
{
    /// <summary>The region's coordinates (fleet relays only: they go to the Worker's RELAYS and the relays' fleet list).</summary>
    public AzureRegion? Region { get; init; }

    /// <summary>Out of the choice for new calls: the Worker's RELAYS entry says so and the relay gets Relay__Draining=true.</summary>
    public bool Draining { get; init; }

    public bool InFleet => Name.Length > 0;

    /// <summary>A per-relay resource's logical name: unchanged for the single relay, <c>&lt;name&gt;-&lt;relay&gt;</c> in a fleet.</summary>
    public string Named(string baseName) => InFleet ? $"{baseName}-{Name}" : baseName;

    /// <summary>
    /// The Run Command's logical name. It is auto-named (a new random name on every replacement: RelayDeployResources),
    /// and pulumi-azure auto-names within 24 characters including the 7 random ones (infra/Contracts, AutoNameCheck):
    /// <c>relayInstall-&lt;12-character relay&gt;</c> would not fit, so a fleet relay's is <c>inst-&lt;relay&gt;</c> (at most 17).
    /// </summary>
    public string InstallName => InFleet ? $"inst-{Name}" : "relayInstall";

    /// <summary>The relay's public https base URL (the shape of RELAY_URL).</summary>
    public string BaseUrl => $"https://{RecordFqdn}";

    public string TwilioVoiceWebhookUrl => $"https://{RecordFqdn}/twilio/voice";

    public string HealthUrl => $"https://{RecordFqdn}/health";
}
