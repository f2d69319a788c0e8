using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Azure classic provider (azure 6.40.0) monitoring resources, named and shaped as the SDK declares them.

public sealed record AnalyticsWorkspace : ResourceArgs
{
    public override string TypeToken => "azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string Sku { get; init; }
    public required int RetentionInDays { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record ApplicationInsights : ResourceArgs
{
    public override string TypeToken => "azure:appinsights/insights:Insights";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string ApplicationType { get; init; }
    public required string WorkspaceId { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record StandardWebTest : ResourceArgs
{
    public override string TypeToken => "azure:appinsights/standardWebTest:StandardWebTest";
    /// <summary>Set for a fleet relay's (its logical name is too long to auto-name); otherwise the provider auto-names it.</summary>
    public string? Name { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string ApplicationInsightsId { get; init; }
    public required string Description { get; init; }
    public required bool Enabled { get; init; }
    public required int Frequency { get; init; }
    public required int Timeout { get; init; }
    public required bool RetryEnabled { get; init; }
    public required IReadOnlyList<string> GeoLocations { get; init; }
    public required StandardWebTestRequest Request { get; init; }
    public required StandardWebTestValidationRules ValidationRules { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record StandardWebTestRequest
{
    public required string Url { get; init; }
    public required string HttpVerb { get; init; }
    public required bool FollowRedirectsEnabled { get; init; }
}

public sealed record StandardWebTestValidationRules
{
    public required int ExpectedStatusCode { get; init; }
    public required bool SslCheckEnabled { get; init; }
    public required int SslCertRemainingLifetime { get; init; }
}

/// <summary>A metric alert on an availability test: fires when that many test locations fail at once.</summary>
public sealed record WebTestAvailabilityAlert : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/metricAlert:MetricAlert";
    /// <summary>Set for a fleet relay's (its logical name is too long to auto-name); otherwise the provider auto-names it.</summary>
    public string? Name { get; init; }
    public required string ResourceGroupName { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
    public required string Description { get; init; }
    public required int Severity { get; init; }
    public required string Frequency { get; init; }
    public required string WindowSize { get; init; }
    public required WebTestLocationAvailabilityCriteria ApplicationInsightsWebTestLocationAvailabilityCriteria { get; init; }
    public required IReadOnlyList<MetricAlertAction> Actions { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record WebTestLocationAvailabilityCriteria
{
    public required string WebTestId { get; init; }
    public required string ComponentId { get; init; }
    public required int FailedLocationCount { get; init; }
}

/// <summary>A VM extension; here the Azure Monitor agent, which ships the VM's syslog to Log Analytics.</summary>
public sealed record VirtualMachineExtension : ResourceArgs
{
    public override string TypeToken => "azure:compute/extension:Extension";
    /// <summary>Set for a fleet relay's (its logical name is too long to auto-name); otherwise the provider auto-names it.</summary>
    public string? Name { get; init; }
    public required string VirtualMachineId { get; init; }
    public required string Publisher { get; init; }
    public required string Type { get; init; }
    public required string TypeHandlerVersion { get; init; }
    public required bool AutoUpgradeMinorVersion { get; init; }
    public required bool AutomaticUpgradeEnabled { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record DataCollectionRule : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/dataCollectionRule:DataCollectionRule";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public required DataCollectionRuleDataSources DataSources { get; init; }
    public required DataCollectionRuleDestinations Destinations { get; init; }
    public required IReadOnlyList<DataCollectionRuleDataFlow> DataFlows { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record DataCollectionRuleDataSources
{
    public required IReadOnlyList<DataCollectionRuleSyslog> Syslogs { get; init; }
}

public sealed record DataCollectionRuleSyslog
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> FacilityNames { get; init; }
    public required IReadOnlyList<string> LogLevels { get; init; }
    public required IReadOnlyList<string> Streams { get; init; }
}

public sealed record DataCollectionRuleDestinations
{
    public required IReadOnlyList<DataCollectionRuleLogAnalytics> LogAnalytics { get; init; }
}

public sealed record DataCollectionRuleLogAnalytics
{
    public required string Name { get; init; }
    public required string WorkspaceResourceId { get; init; }
}

public sealed record DataCollectionRuleDataFlow
{
    public required IReadOnlyList<string> Streams { get; init; }
    public required IReadOnlyList<string> Destinations { get; init; }
}

public sealed record DataCollectionRuleAssociation : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation";
    /// <summary>Set for a fleet relay's (its logical name is too long to auto-name); otherwise the provider auto-names it.</summary>
    public string? Name { get; init; }
    public required string TargetResourceId { get; init; }
    public required string DataCollectionRuleId { get; init; }
    public required string Description { get; init; }
}

/// <summary>A log search alert: a KQL query over the workspace, evaluated on a schedule.</summary>
public sealed record ScheduledQueryRulesAlertV2 : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/scheduledQueryRulesAlertV2:ScheduledQueryRulesAlertV2";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string Description { get; init; }
    /// <summary>One resource id: the 6.40.0 SDK declares <c>scopes</c> as a single string.</summary>
    public required string Scopes { get; init; }
    public required int Severity { get; init; }
    public required string EvaluationFrequency { get; init; }
    public required string WindowDuration { get; init; }
    public required IReadOnlyList<ScheduledQueryCriteria> Criterias { get; init; }
    public required ScheduledQueryAction Action { get; init; }
    public required bool AutoMitigationEnabled { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record ScheduledQueryCriteria
{
    public required string Query { get; init; }
    public required string TimeAggregationMethod { get; init; }
    public required string MetricMeasureColumn { get; init; }
    public required string Operator { get; init; }
    public required double Threshold { get; init; }
}

public sealed record ScheduledQueryAction
{
    public required IReadOnlyList<string> ActionGroups { get; init; }
}

public sealed record WebhookReceiver
{
    public required string Name { get; init; }
    public required string ServiceUri { get; init; }
    public required bool UseCommonAlertSchema { get; init; }
}
