using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Resources;

// Cloudflare provider v6 (cloudflare 6.22.1) resources, named and shaped as the SDK declares them.

public sealed record ZoneSetting(string ZoneId, string SettingId, string Value) : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/zoneSetting:ZoneSetting";
}

public sealed record DnsRecord : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/dnsRecord:DnsRecord";
    public required string ZoneId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Content { get; init; }
    public required bool Proxied { get; init; }
    public required int Ttl { get; init; }
    public string? Comment { get; init; }
}

public sealed record WorkersScript : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/workersScript:WorkersScript";
    public required string AccountId { get; init; }
    public required string ScriptName { get; init; }
    public required object Content { get; init; }
    public required string ContentSha256 { get; init; }
    public required string MainModule { get; init; }
    public required string CompatibilityDate { get; init; }
    public required IReadOnlyList<WorkersScriptBinding> Bindings { get; init; }
    public WorkersScriptObservability? Observability { get; init; }
}

public sealed record WorkersScriptBinding(string Name, string Type, string Text);

public sealed record WorkersScriptObservability(bool Enabled, double HeadSamplingRate, WorkersScriptObservabilityLogs? Logs);

public sealed record WorkersScriptObservabilityLogs(bool Enabled, double HeadSamplingRate, bool InvocationLogs, bool Persist);

public sealed record WorkersRoute(string ZoneId, string Pattern, string Script) : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/workersRoute:WorkersRoute";
}

public sealed record WorkersScriptSubdomain(string AccountId, string ScriptName, bool Enabled, bool PreviewsEnabled) : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
}

public sealed record Ruleset : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/ruleset:Ruleset";
    public required string ZoneId { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Kind { get; init; }
    public required string Phase { get; init; }
    public required IReadOnlyList<RulesetRule> Rules { get; init; }
}

public sealed record RulesetRule
{
    public required string Ref { get; init; }
    public required string Description { get; init; }
    public required string Expression { get; init; }
    public required string Action { get; init; }
    public required bool Enabled { get; init; }
    public required RulesetRuleRatelimit Ratelimit { get; init; }
}

public sealed record RulesetRuleRatelimit
{
    public required IReadOnlyList<string> Characteristics { get; init; }
    public required int Period { get; init; }
    public required int RequestsPerPeriod { get; init; }
    public required int MitigationTimeout { get; init; }
}

public sealed record NotificationPolicyWebhooks(string AccountId, string Name, string Url) : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks";
}

public sealed record NotificationPolicy : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/notificationPolicy:NotificationPolicy";
    public required string AccountId { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string AlertType { get; init; }
    public required bool Enabled { get; init; }
    public required NotificationPolicyMechanisms Mechanisms { get; init; }
    public NotificationPolicyFilters? Filters { get; init; }
}

public sealed record NotificationPolicyMechanisms(IReadOnlyList<MechanismId> Emails, IReadOnlyList<MechanismId> Webhooks);

public sealed record MechanismId(string Id);

public sealed record NotificationPolicyFilters(IReadOnlyList<string> Zones);
