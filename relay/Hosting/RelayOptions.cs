using System.ComponentModel.DataAnnotations;

namespace VoiceEdge.Relay.Hosting;

/// <summary>The relay's settings, section <c>Relay</c> (environment: <c>Relay__Upstream</c> and so on).</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>Voice backend for /api/chat, e.g. PersonaPlex at ws://127.0.0.1:8998/api/chat.</summary>
    [Required] public Uri? Upstream { get; set; }

    /// <summary>Backend for Twilio Media Streams (/twilio/stream).</summary>
    [Required] public Uri? TwilioUpstream { get; set; }

    /// <summary>The key shared with the Worker, as text; its UTF-8 bytes sign relay tokens.</summary>
    [Required, MinLength(16)] public string? SigningKey { get; set; }

    /// <summary>Twilio auth token; /twilio/stream refuses every call without it.</summary>
    public string? TwilioAuthToken { get; set; }

    /// <summary>/twilio/stream: <c>Passthrough</c> relays to TwilioUpstream; <c>PersonaPlex</c> bridges the call to PersonaPlex there.</summary>
    public PhoneBridge.TwilioMode TwilioMode { get; set; } = PhoneBridge.TwilioMode.Passthrough;

    /// <summary>The public base Twilio dials and signs, e.g. wss://ws.example.com.</summary>
    [Required] public Uri? PublicBaseUrl { get; set; }

    [Range(1, 100_000)] public int MaxConnections { get; set; } = 1000;

    /// <summary>Largest message relayed either way; a bigger one closes the call with 1009.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxMessageBytes { get; set; } = 1024 * 1024;

    [Range(1, 86_400)] public int IdleTimeoutSeconds { get; set; } = 300;

    [Range(1, 120)] public int UpstreamConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>WebSocket keep-alive both ways, well under Cloudflare's ~100 s idle limit.</summary>
    [Range(0, 3600)] public int KeepAliveSeconds { get; set; } = 20;

    /// <summary>On SIGTERM: how long open calls may continue before they are closed with 1012.</summary>
    [Range(0, 3600)] public int DrainGraceSeconds { get; set; } = 10;

    /// <summary>Concurrent calls one user (the sub in a v2 relay token) may hold; the next is refused with 429.</summary>
    [Range(1, 100_000)] public int MaxCallsPerUser { get; set; } = 2;

    /// <summary>
    /// Whether v1 relay tokens (no user, no client IP) are still accepted: true during the rollout window, until every
    /// Worker mints v2 (relay/README.md "Relay token v2 rollout"); then false, and a v1 token is refused with 403.
    /// </summary>
    public bool AcceptV1Tokens { get; set; } = true;

    [Range(1, 3600)] public int TokenMaxLifetimeSeconds { get; set; } = 60;

    [Range(0, 300)] public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>How long /health reuses a backend probe, so /health cannot be used to hammer the backends.</summary>
    [Range(1, 300)] public int HealthCacheSeconds { get; set; } = 5;

    /// <summary>Size of each relay buffer; with one buffer per direction this bounds a call's memory.</summary>
    [Range(1024, 1024 * 1024)] public int BufferBytes { get; set; } = 16 * 1024;

    /// <summary>How calls are relayed: <c>Frames</c> (bytes, parsing only frame headers) or <c>WebSocket</c> (the older pump).</summary>
    [RegularExpression("(?i)^(Frames|WebSocket)$", ErrorMessage = "Relay:Forwarder must be Frames or WebSocket")]
    public string Forwarder { get; set; } = "Frames";

    /// <summary>True when <c>Relay__Forwarder=WebSocket</c> selects the older System.Net.WebSockets pump.</summary>
    public bool UsesWebSocketPump => string.Equals(Forwarder, "WebSocket", StringComparison.OrdinalIgnoreCase);
}
