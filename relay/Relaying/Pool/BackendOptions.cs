namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>One voice backend of <c>Relay:Backends</c> (environment <c>Relay__Backends__0__Url</c> and so on).</summary>
public sealed class BackendOptions
{
    /// <summary>ws:// or wss:// URL of the backend's chat endpoint, e.g. PersonaPlex at wss://10.0.0.5:8998/api/chat.</summary>
    public Uri? Url { get; set; }

    /// <summary>Calls it takes at once; PersonaPlex serves one conversation at a time, so 1.</summary>
    public int Capacity { get; set; } = 1;

    /// <summary>SHA-256 of the backend's DER certificate (hex, colons allowed, or base64); the only certificate then accepted.</summary>
    public string? CertificateSha256 { get; set; }

    /// <summary>Query parameters every call gets (PersonaPlex: voice_prompt, text_prompt, seed).</summary>
    public Dictionary<string, string> DefaultQuery { get; set; } = new(StringComparer.Ordinal);
}
