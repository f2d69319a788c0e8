using System.Text.Json;

namespace VoiceEdge.Relay.Fleet;

/// <summary>What the chooser knows of a relay (the same four states as the Worker's src/relayHealth.ts).</summary>
public enum FleetRelayState { Ready, Draining, Unready, Unknown }

/// <summary>A relay's health as read from its <c>GET /health</c> (or, for this relay, from its own state).</summary>
public sealed record FleetRelayHealth(FleetRelayState State, int OpenCalls, int MaxCalls)
{
    public static readonly FleetRelayHealth Unknown = new(FleetRelayState.Unknown, 0, 0);

    /// <summary>The share of its call limit in use; a relay without a limit counts as full.</summary>
    public double Load => MaxCalls <= 0 ? 1 : Math.Min(1, (double)OpenCalls / MaxCalls);

    /// <summary>
    /// Reads a /health answer (Observability/HealthEndpoint.cs): 200 with status ok and not draining is ready; draining
    /// says so; any other status (backend-unreachable) is unready; anything that is not the relay's JSON is unknown.
    /// </summary>
    public static FleetRelayHealth Parse(int status, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Unknown;
            var open = Count(root, "openCalls");
            var max = Count(root, "maxCalls");
            var text = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var draining = root.TryGetProperty("draining", out var d) && d.ValueKind == JsonValueKind.True;
            if (draining || text == "draining") return new(FleetRelayState.Draining, open, max);
            if (status == 200 && text == "ok") return new(FleetRelayState.Ready, open, max);
            return text is null ? Unknown with { OpenCalls = open, MaxCalls = max } : new(FleetRelayState.Unready, open, max);
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    private static int Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0 ? n : 0;
}
