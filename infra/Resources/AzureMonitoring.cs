using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Resources;

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

public sealed record StandardWebTestRequest(string Url, string HttpVerb, bool FollowRedirectsEnabled);

public sealed record StandardWebTestValidationRules(int ExpectedStatusCode, bool SslCheckEnabled, int SslCertRemainingLifetime);

/// <summary>A metric alert on an availability test: fires when that many test locations fail at once.</summary>
public sealed record WebTestAvailabilityAlert : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/metricAlert:MetricAlert";
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

public sealed record WebTestLocationAvailabilityCriteria(string WebTestId, string ComponentId, int FailedLocationCount);

/// <summary>A VM extension; here the Azure Monitor agent, which ships the VM's syslog to Log Analytics.</summary>
public sealed record VirtualMachineExtension : ResourceArgs
{
    public override string TypeToken => "azure:compute/extension:Extension";
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

public sealed record DataCollectionRuleDataSources(IReadOnlyList<DataCollectionRuleSyslog> Syslogs);

public sealed record DataCollectionRuleSyslog(string Name, IReadOnlyList<string> FacilityNames, IReadOnlyList<string> LogLevels, IReadOnlyList<string> Streams);

public sealed record DataCollectionRuleDestinations(IReadOnlyList<DataCollectionRuleLogAnalytics> LogAnalytics);

public sealed record DataCollectionRuleLogAnalytics(string Name, string WorkspaceResourceId);

public sealed record DataCollectionRuleDataFlow(IReadOnlyList<string> Streams, IReadOnlyList<string> Destinations);

public sealed record DataCollectionRuleAssociation(string TargetResourceId, string DataCollectionRuleId, string Description) : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation";
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

public sealed record ScheduledQueryCriteria(string Query, string TimeAggregationMethod, string MetricMeasureColumn, string Operator, double Threshold);

public sealed record ScheduledQueryAction(IReadOnlyList<string> ActionGroups);

/// <summary>The action group's webhook receivers (the webhook URL only as a secret reference).</summary>
public sealed partial record ActionGroup
{
    public IReadOnlyList<WebhookReceiver>? WebhookReceivers { get; init; }
}

public sealed record WebhookReceiver(string Name, string ServiceUri, bool UseCommonAlertSchema);
