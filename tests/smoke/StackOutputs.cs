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
        return new StackOutputs(Required("browserUrl"), Required("workerHealthUrl"), Optional("twilioUrl"), Optional("relayHealthUrl"));
    }

    /// <summary>True for a deployed stack (wss/https); false for the loopback path (ws/http), where TLS checks are skipped.</summary>
    public bool IsPublic => BrowserUrl.Scheme == "wss";

    /// <summary>The relay's /api/chat on the ws host, from the Twilio URL's origin.</summary>
    public Uri? RelayChatUrl => TwilioUrl is null ? null : new Uri(TwilioUrl, "/api/chat");
}
