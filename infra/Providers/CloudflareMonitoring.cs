using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Cloudflare provider (cloudflare 6.22.1) monitoring resources, named and shaped as the SDK declares them.

/// <summary>A standalone health check (Pro plans and above).</summary>
public sealed record Healthcheck : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/healthcheck:Healthcheck";
    public required string ZoneId { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string Address { get; init; }
    public required string Type { get; init; }
    public required HealthcheckHttpConfig HttpConfig { get; init; }
    public required int Interval { get; init; }
    public required int Timeout { get; init; }
    public required int Retries { get; init; }
    public required int ConsecutiveFails { get; init; }
    public required int ConsecutiveSuccesses { get; init; }
}

public sealed record HealthcheckHttpConfig
{
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required int Port { get; init; }
    public required IReadOnlyList<string> ExpectedCodes { get; init; }
    public required bool FollowRedirects { get; init; }
    public required bool AllowInsecure { get; init; }
}

/// <summary>A notification policy whose filters are the health checks it watches, or the zone and SLO of the origin error alert.</summary>
public sealed record NotificationPolicy : ResourceArgs
{
    public override string TypeToken => "cloudflare:index/notificationPolicy:NotificationPolicy";
    public required string AccountId { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required string AlertType { get; init; }
    public required bool Enabled { get; init; }
    public required NotificationPolicyMechanisms Mechanisms { get; init; }
    public required NotificationPolicyFilters Filters { get; init; }
}

public sealed record NotificationPolicyFilters
{
    public IReadOnlyList<string>? Zones { get; init; }
    public IReadOnlyList<string>? Slos { get; init; }
    public IReadOnlyList<string>? HealthCheckIds { get; init; }
    public IReadOnlyList<string>? Statuses { get; init; }
}
