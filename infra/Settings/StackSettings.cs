namespace VoiceEdge.Infra.Settings;

public enum StackKind { Full, Preview }

public enum ZonePlan { Free, Pro, Business, Enterprise }

/// <summary>A stack's validated settings. Secrets are not here: the program only references them.</summary>
public sealed record StackSettings
{
    public required string StackName { get; init; }
    public required StackKind Kind { get; init; }
    public required string AccountId { get; init; }
    public required string WorkerName { get; init; }
    public required string RoutePrefix { get; init; }
    public required IReadOnlyList<string> AllowedOrigins { get; init; }
    public string? AuthJwksUrl { get; init; }
    public string? AuthIssuer { get; init; }
    public string? AuthAudience { get; init; }

    /// <summary>Set for full stacks; null for preview stacks.</summary>
    public EdgeSettings? Edge { get; init; }

    /// <summary>Set only in the stack that owns the zone.</summary>
    public ZoneSettings? Zone { get; init; }

    public RelayHostSettings? RelayHost { get; init; }

    /// <summary>Set for preview stacks: the Worker alone on workers.dev, bound to an existing relay.</summary>
    public PreviewSettings? Preview { get; init; }

    /// <summary>Set for full stacks: where alerts go. What is monitored depends on the zone's plan (see PlanFeatures).</summary>
    public MonitoringSettings? Monitoring { get; init; }

    public bool IsProduction => StackName == "prod";
}

public sealed record EdgeSettings(
    string ZoneId,
    string ZoneName,
    string PublicHost,
    string RelayRecordFqdn,
    IReadOnlyList<VoiceBackend> VoiceBackends,
    string TwilioUpstream,
    string TwilioMode)
{
    /// <summary>Query keys a caller may set over a backend's default query (the relay's AllowedQueryKeys).</summary>
    public IReadOnlyList<string> VoiceQueryKeys { get; init; } = [];

    public string TwilioAccountSid { get; init; } = "";

    /// <summary>
    /// Whether the stack sets the secret <c>twilioWebhookSharedKey</c> (Webhook Rules' HMAC-SHA256 key): then the
    /// relay deploy passes it as a protected parameter and the VM gets <c>Relay__TwilioWebhookSharedKey</c>.
    /// </summary>
    public bool HasTwilioWebhookSharedKey { get; init; }

    /// <summary>Whether the relay also accepts <c>relaySigningKeyNext</c> or <c>relaySigningKeyPrevious</c> (a rotation under way).</summary>
    public SigningKeyRotation SigningKeyRotation { get; init; }

    public string RelayBaseUrl => $"https://{RelayRecordFqdn}";

    /// <summary>What the phone number's "A call comes in" webhook posts to: the relay, behind Caddy on the ws host.</summary>
    public string TwilioVoiceWebhookUrl => $"https://{RelayRecordFqdn}/twilio/voice";
    public string RoutePattern(string prefix) => $"{PublicHost}{prefix}/*";
}

public sealed record ZoneSettings(
    ZonePlan Plan,
    int RateLimitRequests,
    int RateLimitPeriod,
    int RateLimitMitigationTimeout,
    IReadOnlyList<string> VoicePaths,
    IReadOnlyList<string> AlertEmails)
{
    /// <summary>An existing <c>http_ratelimit</c> entry-point ruleset to adopt (Pulumi <c>import</c>) instead of creating one.</summary>
    public string? RateLimitRulesetId { get; init; }

    /// <summary>The adopted entry point's other rules, declared ahead of ours so adoption keeps them.</summary>
    public IReadOnlyList<KeptRateLimitRule> KeptRateLimitRules { get; init; } = [];

    /// <summary>The Origin Error Rate Alert's <c>slo</c> filter (Enterprise only).</summary>
    public string OriginErrorSlo { get; init; } = ConfigKeys.OriginErrorSlo.Fallback!;
}

public sealed record RelayHostSettings(
    string Location,
    string VmSize,
    string AdminUsername,
    string SshPublicKey,
    IReadOnlyList<string> AdminCidrs,
    string DnsLabel,
    IReadOnlyList<string> AlertEmails);

public sealed record PreviewSettings(string RelayUrl, string WorkersDevSubdomain);

/// <summary>Alert destinations: the action group's emails, and its webhook when the stack has the webhook secret.</summary>
public sealed record MonitoringSettings(IReadOnlyList<string> AlertEmails, bool HasAlertWebhook);
