using System.Text.Json;

namespace VoiceEdge.Smoke;

/// <summary>The stack outputs the smoke test reads (`pulumi stack output --json`, or the local path's).</summary>
public sealed record StackOutputs(Uri BrowserUrl, Uri WorkerHealthUrl, Uri? TwilioUrl, Uri? RelayHealthUrl)
{
    public static StackOutputs Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Uri Required(string name) => root.TryGetProperty(name, out var v) && Uri.TryCreate(v.GetString(), UriKind.Absolute, out var u)
            ? u
            : throw new FormatException($"stack outputs: `{name}` missing or not an absolute URL");
        Uri? Optional(string name) => root.TryGetProperty(name, out var v) && Uri.TryCreate(v.GetString(), UriKind.Absolute, out var u) ? u : null;
        return new StackOutputs(Required("browserUrl"), Required("workerHealthUrl"), Optional("twilioUrl"), Optional("relayHealthUrl"))
        {
            FleetRelays = FleetRelaysOf(root, Optional),
        };
    }

    /// <summary>
    /// A fleet stack's relays (infra/README.md "A fleet of relays"): the <c>relays</c> output (the Worker's RELAYS, as
    /// JSON text) names them, and each has <c>relayHealthUrl-&lt;name&gt;</c> and <c>twilioUrl-&lt;name&gt;</c>. Empty for a single relay.
    /// </summary>
    public IReadOnlyList<RelayOutputs> FleetRelays { get; init; } = [];

    private static List<RelayOutputs> FleetRelaysOf(JsonElement root, Func<string, Uri?> optional)
    {
        if (!root.TryGetProperty("relays", out var text) || text.ValueKind != JsonValueKind.String) return [];
        using var list = JsonDocument.Parse(text.GetString()!);
        if (list.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("stack outputs: `relays` is not a JSON list");
        return
        [
            .. list.RootElement.EnumerateArray().Select(r =>
            {
                var name = r.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new FormatException("stack outputs: a `relays` entry has no name");
                var draining = r.TryGetProperty("draining", out var d) && d.ValueKind == JsonValueKind.True;
                return new RelayOutputs(name, optional($"relayHealthUrl-{name}"), optional($"twilioUrl-{name}"), draining);
            }),
        ];
    }

    /// <summary>True for a deployed stack (wss/https); false for the loopback path (ws/http), where TLS checks are skipped.</summary>
    public bool IsPublic => BrowserUrl.Scheme == "wss";

    /// <summary>The relay's /api/chat on the ws host, from the Twilio URL's origin.</summary>
    public Uri? RelayChatUrl => TwilioUrl is null ? null : new Uri(TwilioUrl, "/api/chat");
}

/// <summary>One relay of a fleet, as its outputs give it.</summary>
public sealed record RelayOutputs(string Name, Uri? HealthUrl, Uri? TwilioUrl, bool Draining)
{
    /// <summary>The relay's /api/chat on its ws host, from its Twilio URL's origin.</summary>
    public Uri? ChatUrl => TwilioUrl is null ? null : new Uri(TwilioUrl, "/api/chat");
}
