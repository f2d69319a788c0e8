using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Monitoring, per plan (see <see cref="PlanFeatures"/>). Every full stack, whatever the zone's plan: an Azure
/// action group (emails, and the alert webhook when the stack has the secret), VM CPU and availability alerts,
/// Application Insights standard web tests from five regions against the Worker's and the relay's health URLs,
/// and the relay host's own 5xx and refusal counts reaching Azure Monitor (Azure Monitor agent + a data
/// collection rule over syslog, where journald forwards Caddy's JSON access log and the relay's JSON log) with
/// a log alert on more than 10 in 5 minutes. The stack that owns the zone adds, on Pro and above, Cloudflare
/// standalone health checks on the voice hosts, their notification policy and the Cloudflare webhook; on
/// Enterprise, the Origin Error Rate Alert.
/// </summary>
public static class MonitoringResources
{
    /// <summary>Five test locations (Azure's recommended minimum): West Europe, North Europe, East US, West US, Southeast Asia.</summary>
    public static readonly IReadOnlyList<string> WebTestLocations =
        ["emea-nl-ams-azr", "emea-gb-db3-azr", "us-va-ash-azr", "us-ca-sjc-azr", "apac-sg-sin-azr"];

    /// <summary>Azure's advice: alert when (number of locations - 2) fail, so one flaky region does not page anyone.</summary>
    public const int FailedLocationsToAlert = 3;

    public const int ErrorThreshold = 10;

    /// <summary>
    /// Caddy (the relay's TLS front) logs every request as JSON to stdout; journald forwards it to syslog as
    /// facility daemon, program <c>caddy</c>. Counted: 5xx answers and refusals (401, 403, 426, 429), plus the
    /// relay's own "upstream ... refused the connection" / "did not answer" warnings (program <c>voice-edge-relay</c>).
    /// </summary>
    public const string ErrorQuery = """
        Syslog
        | where ProcessName in ("caddy", "voice-edge-relay")
        | extend entry = parse_json(substring(SyslogMessage, indexof(SyslogMessage, "{")))
        | extend status = toint(entry.status)
        | where (ProcessName == "caddy" and (status >= 500 or status in (400, 401, 403, 426, 429)))
            or (ProcessName == "voice-edge-relay" and (SyslogMessage has "refused the connection" or SyslogMessage has "did not answer within"))
        | summarize failures = count() by bin(TimeGenerated, 5m)
        """;

    /// <summary>The availability alert's Azure name (unique within the stack's resource group).</summary>
    public const string RelayAvailabilityAlertName = "relay-vm-availability";

    /// <summary>
    /// Per relay (<paramref name="relayHosts"/> and <paramref name="relayInstalls"/> in <see cref="StackSettings.Relays"/>'
    /// order): its VM alerts, health test, agent and log association; shared by the stack: the action group, the
    /// workspace, the Worker's test, the data collection rule and the error alert (in the home region).
    /// </summary>
    public static void Declare(StackContext context, IReadOnlyList<RelayHostRefs> relayHosts, IReadOnlyList<ResourceRef?>? relayInstalls = null)
    {
        var s = context.Settings;
        if (s.Monitoring is not { } monitoring || s.RelayHost is not { } host || s.Edge is not { } edge) return;
        var tags = context.Tags;
        var rg = relayHosts[0].ResourceGroupName;
        var relays = s.Relays.Select((relay, i) => (Site: relay, Host: relayHosts[i], Install: relayInstalls?[i])).ToList();

        var actionGroup = context.Define("alertActions", Concern.Monitoring, new ActionGroup
        {
            ResourceGroupName = rg,
            ShortName = ShortName(s.StackName),
            Location = "global",
            EmailReceivers = [.. monitoring.AlertEmails.Select((e, i) => new EmailReceiver { Name = $"email-{i + 1}", EmailAddress = e, UseCommonAlertSchema = true })],
            Tags = tags,
            WebhookReceivers = monitoring.HasAlertWebhook
                ? [new WebhookReceiver { Name = "alert-webhook", ServiceUri = context.Secret(ConfigKeys.AlertWebhookUrl), UseCommonAlertSchema = true }]
                : null,
        }).Id;
        foreach (var (relay, relayHost, _) in relays)
        {
            // A fleet relay's metric alerts are named (`-<relay>` makes their logical names too long to auto-name, RelayNameLimits).
            context.Define(relay.Named("relayCpuAlert"), Concern.Monitoring, VmAlert(relayHost, Of(relay, "Relay VM CPU above 80% for 5 minutes"), 2, VmAverage("Percentage CPU", "GreaterThan", 80)) with
            {
                Name = relay.InFleet ? $"relay-vm-cpu-{relay.Name}" : null,
            });
            // Named explicitly: the logical name is 22 characters, and the provider's auto-name (logical name + 7 random
            // characters, at most 24 for metric alerts) does not fit (ProviderContractTable). The alert could never be
            // created under its auto-name, so no live stack holds one that this name would replace.
            context.Define(relay.Named("relayAvailabilityAlert"), Concern.Monitoring, VmAlert(relayHost, Of(relay, "Relay VM unavailable"), 1, VmAverage("VmAvailabilityMetric", "LessThan", 1)) with
            {
                Name = relay.InFleet ? $"{RelayAvailabilityAlertName}-{relay.Name}" : RelayAvailabilityAlertName,
            });
        }

        var logs = context.Define("monitoringLogs", Concern.Monitoring, new AnalyticsWorkspace
        {
            ResourceGroupName = rg,
            Location = host.Location,
            Sku = "PerGB2018",
            RetentionInDays = 30,
            Tags = tags,
        });
        var insights = context.Define("monitoringInsights", Concern.Monitoring, new ApplicationInsights
        {
            ResourceGroupName = rg,
            Location = host.Location,
            ApplicationType = "other",
            WorkspaceId = logs.Id,
            Tags = tags,
        });
        foreach (var (name, url, what, relay) in HealthUrls(s, edge))
        {
            var explicitName = relay is { InFleet: true } ? $"relay-{relay.Name}" : null;
            var test = context.Define(relay?.Named($"{name}Test") ?? $"{name}Test", Concern.Monitoring, new StandardWebTest
            {
                Name = explicitName is null ? null : $"{explicitName}-test",
                ResourceGroupName = rg,
                Location = host.Location,
                ApplicationInsightsId = insights.Id,
                Description = $"{what} answers 200 from five regions",
                Enabled = true,
                Frequency = 300,
                Timeout = 30,
                RetryEnabled = true,
                GeoLocations = WebTestLocations,
                Request = new StandardWebTestRequest { Url = url, HttpVerb = "GET", FollowRedirectsEnabled = false },
                ValidationRules = new StandardWebTestValidationRules { ExpectedStatusCode = 200, SslCheckEnabled = true, SslCertRemainingLifetime = 7 },
                Tags = tags,
            });
            context.Define(relay?.Named($"{name}Alert") ?? $"{name}Alert", Concern.Monitoring, new WebTestAvailabilityAlert
            {
                Name = explicitName is null ? null : $"{explicitName}-alert",
                ResourceGroupName = rg,
                Scopes = [test.Id, insights.Id],
                Description = $"{what} failing from {FailedLocationsToAlert} of {WebTestLocations.Count} regions",
                Severity = 1,
                Frequency = "PT1M",
                WindowSize = "PT5M",
                ApplicationInsightsWebTestLocationAvailabilityCriteria = new WebTestLocationAvailabilityCriteria { WebTestId = test.Id, ComponentId = insights.Id, FailedLocationCount = FailedLocationsToAlert },
                Actions = [new MetricAlertAction { ActionGroupId = actionGroup }],
                Tags = tags,
            });
        }

        // The relay's own counts: agent on the VM, rule over syslog, rule linked to the VM, log alert on the workspace.
        // The agent authenticates with the VM's system-assigned managed identity. In a fleet the rule stays in the
        // workspace's (home) region and every relay's VM is linked to it.
        var agents = new List<ResourceRef>();
        foreach (var (relay, relayHost, relayInstall) in relays)
        {
            agents.Add(context.Define(relay.Named("relayMonitorAgent"), Concern.Monitoring, new VirtualMachineExtension
            {
                Name = relay.InFleet ? "AzureMonitorLinuxAgent" : null,
                VirtualMachineId = relayHost.Vm.Id,
                Publisher = "Microsoft.Azure.Monitor",
                Type = "AzureMonitorLinuxAgent",
                TypeHandlerVersion = "1.0",
                AutoUpgradeMinorVersion = true,
                AutomaticUpgradeEnabled = true,
                Tags = tags,
            }, new ResourceOptions
            {
                // Azure serialises extension operations on a VM and answers Conflict to one that overlaps another
                // (hashicorp/terraform-provider-azurerm#19558); neither this extension nor the run command takes a
                // per-VM lock (only the VM resource does), so the agent waits for the relay install.
                DependsOn = relayInstall is null ? [] : [relayInstall],
            }));
        }
        var logRule = context.Define("relayLogRule", Concern.Monitoring, new DataCollectionRule
        {
            ResourceGroupName = rg,
            Location = host.Location,
            Kind = "Linux",
            Description = "The relay VM's syslog (daemon facility: Caddy's JSON access log, the relay's JSON log) into the monitoring workspace",
            DataSources = new DataCollectionRuleDataSources
            {
                Syslogs =
                [
                    new DataCollectionRuleSyslog
                    {
                        Name = "relay-syslog",
                        FacilityNames = ["daemon"],
                        LogLevels = ["Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"],
                        Streams = ["Microsoft-Syslog"],
                    },
                ],
            },
            Destinations = new DataCollectionRuleDestinations { LogAnalytics = [new DataCollectionRuleLogAnalytics { Name = "monitoring-logs", WorkspaceResourceId = logs.Id }] },
            DataFlows = [new DataCollectionRuleDataFlow { Streams = ["Microsoft-Syslog"], Destinations = ["monitoring-logs"] }],
            Tags = tags,
        });
        for (var i = 0; i < relays.Count; i++)
        {
            var (relay, relayHost, _) = relays[i];
            context.Define(relay.Named("relayLogRuleLink"), Concern.Monitoring, new DataCollectionRuleAssociation
            {
                Name = relay.InFleet ? $"relay-syslog-{relay.Name}" : null,
                TargetResourceId = relayHost.Vm.Id,
                DataCollectionRuleId = logRule.Id,
                Description = relay.InFleet ? $"Sends relay {relay.Name}'s VM syslog to the monitoring workspace" : "Sends the relay VM's syslog to the monitoring workspace",
            },
                new ResourceOptions { DependsOn = [agents[i]] });
        }
        context.Define("relayErrorAlert", Concern.Monitoring, new ScheduledQueryRulesAlertV2
        {
            ResourceGroupName = rg,
            Location = host.Location,
            Description = $"More than {ErrorThreshold} 5xx answers or refusals at the relay in 5 minutes",
            Scopes = logs.Id,
            Severity = 1,
            EvaluationFrequency = "PT5M",
            WindowDuration = "PT5M",
            Criterias = [new ScheduledQueryCriteria { Query = Expr.Literal(ErrorQuery), TimeAggregationMethod = "Total", MetricMeasureColumn = "failures", Operator = "GreaterThan", Threshold = ErrorThreshold }],
            Action = new ScheduledQueryAction { ActionGroups = [actionGroup] },
            AutoMitigationEnabled = true,
            Tags = tags,
        });

        CloudflareMonitoring(context, edge);

        static MetricAlertCriteria VmAverage(string metric, string comparison, double threshold) => new()
        {
            MetricNamespace = "Microsoft.Compute/virtualMachines",
            MetricName = metric,
            Aggregation = "Average",
            Operator = comparison,
            Threshold = threshold,
        };

        MetricAlert VmAlert(RelayHostRefs relayHost, string description, int severity, MetricAlertCriteria criteria) => new()
        {
            ResourceGroupName = rg,
            Scopes = [relayHost.Vm.Id],
            Description = description,
            Severity = severity,
            Frequency = "PT1M",
            WindowSize = "PT5M",
            Criterias = [criteria],
            Actions = [new MetricAlertAction { ActionGroupId = actionGroup }],
            Tags = tags,
        };
    }

    /// <summary>Only the zone owner knows the plan; what it declares here is what that plan has.</summary>
    private static void CloudflareMonitoring(StackContext context, EdgeSettings edge)
    {
        var s = context.Settings;
        if (s.Zone is not { } zone) return;
        var emails = zone.AlertEmails.Select(e => new MechanismId { Id = e }).ToList();
        if (!PlanFeatures.HasNotificationWebhooks(zone.Plan)) return;

        var webhook = context.Define("alertWebhook", Concern.Monitoring,
            new NotificationPolicyWebhooks { AccountId = s.AccountId, Name = $"voice-edge {edge.ZoneName} alerts", Url = context.Secret(ConfigKeys.AlertWebhookUrl) });
        var mechanisms = new NotificationPolicyMechanisms { Emails = emails, Webhooks = [new MechanismId { Id = webhook.Id }] };

        if (PlanFeatures.HasHealthChecks(zone.Plan))
        {
            var checks = new List<string>();
            foreach (var (name, url, what, relay) in HealthUrls(s, edge))
            {
                var uri = new Uri(url);
                var check = context.Define(relay?.Named($"{name}Check") ?? $"{name}Check", Concern.Monitoring, new Healthcheck
                {
                    ZoneId = edge.ZoneId,
                    Name = $"voice-edge-{s.StackName}-{(relay is null ? "worker" : relay.Named("relay"))}",
                    Description = $"{what} ({url})",
                    Address = uri.Host,
                    Type = "HTTPS",
                    HttpConfig = new HealthcheckHttpConfig { Method = "GET", Path = uri.AbsolutePath, Port = 443, ExpectedCodes = ["200"], FollowRedirects = false, AllowInsecure = false },
                    Interval = 60,
                    Timeout = 5,
                    Retries = 2,
                    ConsecutiveFails = 2,
                    ConsecutiveSuccesses = 2,
                });
                checks.Add(check.Id);
            }
            context.Define("healthCheckAlerts", Concern.Monitoring, new NotificationPolicy
            {
                AccountId = s.AccountId,
                Name = $"voice-edge {s.StackName}: voice host health checks",
                Description = "A Cloudflare health check on the Worker or relay health URL changes state",
                AlertType = "health_check_status_notification",
                Enabled = true,
                Mechanisms = mechanisms,
                Filters = new NotificationPolicyFilters { HealthCheckIds = checks, Statuses = ["Unhealthy", "Healthy"] },
            });
        }

        if (PlanFeatures.HasOriginErrorAlert(zone.Plan))
        {
            context.Define("originErrorAlerts", Concern.Monitoring, new NotificationPolicy
            {
                AccountId = s.AccountId,
                Name = $"voice-edge {edge.ZoneName}: origin error rate",
                Description = $"Origin 5xx error rate breaks the {zone.OriginErrorSlo}% SLO (traffic through Cloudflare's proxy: the Worker host)",
                AlertType = "http_alert_origin_error",
                Enabled = true,
                Mechanisms = mechanisms,
                Filters = new NotificationPolicyFilters { Zones = [edge.ZoneId], Slos = [zone.OriginErrorSlo] },
            });
        }
    }

    /// <summary>
    /// The health URLs tested from five regions (and by Cloudflare where the plan has health checks): the Worker's, then
    /// each relay's. A fleet relay's test is named <c>relay-&lt;relay&gt;</c> (its logical name is too long to auto-name); a
    /// draining relay's tests its liveness (<c>/health/live</c>, 200 while draining; <c>/health</c> answers 503 then and
    /// would page for a planned drain).
    /// </summary>
    private static IEnumerable<(string Name, string Url, string What, RelaySite? Relay)> HealthUrls(StackSettings s, EdgeSettings edge) =>
    [
        ("workerHealth", $"https://{edge.PublicHost}{s.RoutePrefix}/health", "The Worker's health URL", null),
        .. s.Relays.Select(relay => relay.InFleet
            ? ("relayHealth", relay.Draining ? $"{relay.HealthUrl}/live" : relay.HealthUrl,
                relay.Draining ? $"Relay {relay.Name}'s liveness URL (draining)" : $"Relay {relay.Name}'s health URL", (RelaySite?)relay)
            : ("relayHealth", relay.HealthUrl, "The relay's health URL", (RelaySite?)relay)),
    ];

    /// <summary>An alert's description, naming the relay in a fleet.</summary>
    private static string Of(RelaySite relay, string description) =>
        relay.InFleet ? description.Replace("Relay VM", $"Relay {relay.Name} VM", StringComparison.Ordinal) : description;

    /// <summary>Action group short names are at most 12 characters.</summary>
    private static string ShortName(string stack)
    {
        var name = $"ve-{stack}";
        return name.Length <= 12 ? name : name[..12];
    }
}
