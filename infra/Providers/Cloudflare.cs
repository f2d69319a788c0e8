using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Cloudflare provider v6 (cloudflare 6.22.1) resources, named and shaped as the SDK declares them.

public sealed record ZoneSetting : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/zoneSetting:ZoneSetting";
    public required string ZoneId { get; init; }
    public required string SettingId { get; init; }
    public required string Value { get; init; }
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
    public IReadOnlyList<string>? CompatibilityFlags { get; init; }
    public required IReadOnlyList<WorkersScriptBinding> Bindings { get; init; }
    public WorkersScriptObservability? Observability { get; init; }
}

public sealed record WorkersScriptBinding
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Text { get; init; }
}

public sealed record WorkersScriptObservability
{
    public required bool Enabled { get; init; }
    public required double HeadSamplingRate { get; init; }
    public WorkersScriptObservabilityLogs? Logs { get; init; }
}

public sealed record WorkersScriptObservabilityLogs
{
    public required bool Enabled { get; init; }
    public required double HeadSamplingRate { get; init; }
    public required bool InvocationLogs { get; init; }
    public required bool Persist { get; init; }
}

public sealed record WorkersRoute : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/workersRoute:WorkersRoute";
    public required string ZoneId { get; init; }
    public required string Pattern { get; init; }
    public required string Script { get; init; }
}

public sealed record WorkersScriptSubdomain : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
    public required string AccountId { get; init; }
    public required string ScriptName { get; init; }
    public required bool Enabled { get; init; }
    public required bool PreviewsEnabled { get; init; }
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

public sealed record NotificationPolicyWebhooks : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks";
    public required string AccountId { get; init; }
    public required string Name { get; init; }
    public required string Url { get; init; }
}

public sealed record NotificationPolicyMechanisms
{
    public required IReadOnlyList<MechanismId> Emails { get; init; }
    public required IReadOnlyList<MechanismId> Webhooks { get; init; }
}

public sealed record MechanismId
{
    public required string Id { get; init; }
}
