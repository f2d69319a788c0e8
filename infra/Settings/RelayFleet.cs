using System.Text.Json;
using System.Text.Json.Nodes;
namespace VoiceEdge.Infra.Settings;

/// <summary>
/// What the Worker is told about a stack's relays (FLEET-CONTRACT): <c>RELAY_URL</c> as before, and for a fleet
/// also <c>RELAYS</c>, a JSON array of <c>{name, url, region, latitude, longitude, draining}</c> in the stack's order,
/// which the Worker prefers when both are set.
/// </summary>
public static class RelayFleet
{
    /// <summary>
    /// RELAY_URL: the single relay's base URL; in a fleet the first relay not draining, so a Worker that predates
    /// RELAYS still reaches a relay that takes calls.
    /// </summary>
    public static string WorkerRelayUrl(StackSettings s) =>
        (s.Relays.FirstOrDefault(r => !r.Draining) ?? s.Relays[0]).BaseUrl;

    /// <summary>
    /// The most a Worker environment variable (a plain_text binding) may hold: "Environment variable size: 5 KB"
    /// (https://developers.cloudflare.com/workers/platform/limits/, Workers Free and Paid alike).
    /// </summary>
    public const int MaxBindingBytes = 5 * 1024;

    /// <summary>The RELAYS binding's text; null for a single-relay stack (the binding is then left out).</summary>
    public static string? WorkerRelaysJson(StackSettings s) => s.IsFleet ? RelaysJson(s.Relays) : null;

    /// <summary>The RELAYS text for these relays.</summary>
    public static string RelaysJson(IReadOnlyList<RelaySite> relays)
    {
        var list = new JsonArray();
        foreach (var r in relays)
        {
            list.Add(new JsonObject
            {
                ["name"] = r.Name,
                ["url"] = r.BaseUrl,
                ["region"] = r.Host.Location,
                ["latitude"] = r.Region!.Latitude,
                ["longitude"] = r.Region!.Longitude,
                ["draining"] = r.Draining,
            });
        }
        return list.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>The relays taking new calls, in the stack's order (the Twilio webhook outputs point at the first two).</summary>
    public static IReadOnlyList<RelaySite> Taking(StackSettings s) => [.. s.Relays.Where(r => !r.Draining)];
}
