using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// What each Cloudflare plan gets, rendered from test-only fixture stacks (one per plan, owning example.net):
/// Azure monitoring on every plan, Cloudflare health checks and webhooks from Pro, the origin error alert on
/// Enterprise only; the rate-limit values each plan allows; adopting an existing http_ratelimit entry point.
/// </summary>
public class PlanTests
{
    private static readonly string[] AzureMonitoring =
    [
        "alertActions", "relayCpuAlert", "relayAvailabilityAlert", "monitoringLogs", "monitoringInsights",
        "workerHealthTest", "workerHealthAlert", "relayHealthTest", "relayHealthAlert",
        "relayMonitorAgent", "relayLogRule", "relayLogRuleLink", "relayErrorAlert",
    ];

    private static readonly string[] CloudflarePro = ["alertWebhook", "workerHealthCheck", "relayHealthCheck", "healthCheckAlerts"];

    private static readonly string[] CloudflareEnterprise = ["originErrorAlerts"];

    [Theory]
    [InlineData("free", new string[0])]
    [InlineData("pro", new[] { "alertWebhook", "workerHealthCheck", "relayHealthCheck", "healthCheckAlerts" })]
    [InlineData("business", new[] { "alertWebhook", "workerHealthCheck", "relayHealthCheck", "healthCheckAlerts" })]
    [InlineData("enterprise", new[] { "alertWebhook", "workerHealthCheck", "relayHealthCheck", "healthCheckAlerts", "originErrorAlerts" })]
    public void Each_plan_gets_azure_monitoring_and_only_the_cloudflare_monitoring_it_has(string plan, string[] cloudflare)
    {
        var program = PlanFixtures.Program(plan);
        var monitoring = program.Resources.Where(r => r.Concern == Concern.Monitoring).Select(r => r.Name).ToList();
        Assert.Equal(AzureMonitoring.Concat(cloudflare).Order(), monitoring.Order());
        foreach (var absent in CloudflarePro.Concat(CloudflareEnterprise).Except(cloudflare))
            Assert.DoesNotContain(program.Resources, r => r.Name == absent);

        var cloudflareTypes = program.Resources.Where(r => r.Args.Package == "cloudflare").Select(r => r.Args.TypeToken).ToHashSet();
        Assert.Equal(plan != "free", cloudflareTypes.Contains("cloudflare:index/healthcheck:Healthcheck"));
        Assert.Equal(plan != "free", cloudflareTypes.Contains("cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks"));
        Assert.Equal(plan != "free", cloudflareTypes.Contains("cloudflare:index/notificationPolicy:NotificationPolicy"));
        Assert.DoesNotContain(program.All<NotificationPolicy>(), p => p.AlertType == "http_alert_origin_error" && plan != "enterprise");
    }

    [Fact]
    public void The_origin_error_alert_is_enterprise_only_and_filters_zones_and_slo()
    {
        var policy = Assert.IsType<NotificationPolicy>(PlanFixtures.Program("enterprise")["originErrorAlerts"].Args);
        Assert.Equal("http_alert_origin_error", policy.AlertType);
        Assert.Equal([PlanFixtures.ZoneId], policy.Filters.Zones);
        Assert.Equal(["99.9"], policy.Filters.Slos);
        Assert.Equal(["oncall@example.net", "voice@example.net"], policy.Mechanisms.Emails.Select(e => e.Id));
        Assert.Equal("${alertWebhook.id}", Assert.Single(policy.Mechanisms.Webhooks).Id);

        var custom = Assert.IsType<NotificationPolicy>(PlanFixtures.Program("enterprise", (K.OriginErrorSlo, "99.7"))["originErrorAlerts"].Args);
        Assert.Equal(["99.7"], custom.Filters.Slos);
    }

    [Fact]
    public void Pro_health_checks_watch_the_worker_and_relay_health_urls_and_notify()
    {
        var program = PlanFixtures.Program("pro");
        var relay = Assert.IsType<Healthcheck>(program["relayHealthCheck"].Args);
        Assert.Equal(("ws.example.net", "HTTPS", "/health", 443), (relay.Address, relay.Type, relay.HttpConfig.Path, relay.HttpConfig.Port));
        var worker = Assert.IsType<Healthcheck>(program["workerHealthCheck"].Args);
        Assert.Equal(("example.net", "/voice/health"), (worker.Address, worker.HttpConfig.Path));
        Assert.All([relay, worker], c => Assert.Matches("^[A-Za-z0-9_-]+$", c.Name));
        var policy = Assert.IsType<NotificationPolicy>(program["healthCheckAlerts"].Args);
        Assert.Equal("health_check_status_notification", policy.AlertType);
        Assert.Equal(["${workerHealthCheck.id}", "${relayHealthCheck.id}"], policy.Filters.HealthCheckIds);
        Assert.Null(policy.Filters.Zones);
        Assert.Equal("${alertWebhookUrl}", Assert.IsType<NotificationPolicyWebhooks>(program["alertWebhook"].Args).Url);
    }

    [Theory]
    [InlineData("free")]
    [InlineData("enterprise")]
    public void Every_plan_tests_both_health_urls_from_five_regions_and_alerts_the_action_group(string plan)
    {
        var program = PlanFixtures.Program(plan);
        var tests = program.All<StandardWebTest>().ToDictionary(t => t.Request.Url);
        Assert.Equal(["https://example.net/voice/health", "https://ws.example.net/health"], tests.Keys.Order());
        Assert.All(tests.Values, t =>
        {
            Assert.Equal(5, t.GeoLocations.Distinct().Count());
            Assert.Equal(200, t.ValidationRules.ExpectedStatusCode);
            Assert.Equal("${monitoringInsights.id}", t.ApplicationInsightsId);
        });
        foreach (var name in new[] { "workerHealth", "relayHealth" })
        {
            var alert = Assert.IsType<WebTestAvailabilityAlert>(program[$"{name}Alert"].Args);
            Assert.Equal($"${{{name}Test.id}}", alert.ApplicationInsightsWebTestLocationAvailabilityCriteria.WebTestId);
            Assert.Equal(3, alert.ApplicationInsightsWebTestLocationAvailabilityCriteria.FailedLocationCount);
            Assert.Equal("${alertActions.id}", Assert.Single(alert.Actions).ActionGroupId);
        }
        Assert.Equal("${monitoringLogs.id}", Assert.IsType<ApplicationInsights>(program["monitoringInsights"].Args).WorkspaceId);
    }

    [Fact]
    public void The_relay_error_counts_reach_azure_monitor_through_agent_rule_link_and_log_alert()
    {
        var program = PlanFixtures.Program("free");
        var agent = Assert.IsType<VirtualMachineExtension>(program["relayMonitorAgent"].Args);
        Assert.Equal(("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "${relayVm.id}"), (agent.Publisher, agent.Type, agent.VirtualMachineId));
        var rule = Assert.IsType<DataCollectionRule>(program["relayLogRule"].Args);
        var syslog = Assert.Single(rule.DataSources.Syslogs);
        Assert.Equal(["daemon"], syslog.FacilityNames);
        Assert.Equal(["Microsoft-Syslog"], syslog.Streams);
        Assert.Equal("${monitoringLogs.id}", Assert.Single(rule.Destinations.LogAnalytics).WorkspaceResourceId);
        var flow = Assert.Single(rule.DataFlows);
        Assert.Equal(rule.Destinations.LogAnalytics[0].Name, Assert.Single(flow.Destinations));
        var link = Assert.IsType<DataCollectionRuleAssociation>(program["relayLogRuleLink"].Args);
        Assert.Equal(("${relayVm.id}", "${relayLogRule.id}"), (link.TargetResourceId, link.DataCollectionRuleId));

        var alert = Assert.IsType<ScheduledQueryRulesAlertV2>(program["relayErrorAlert"].Args);
        Assert.Equal(("${monitoringLogs.id}", "PT5M", "PT5M"), (alert.Scopes, alert.WindowDuration, alert.EvaluationFrequency));
        var criteria = Assert.Single(alert.Criterias);
        Assert.Equal(("GreaterThan", 10.0, "failures", "Total"), (criteria.Operator, criteria.Threshold, criteria.MetricMeasureColumn, criteria.TimeAggregationMethod));
        Assert.Contains("ProcessName in (\"caddy\", \"voice-edge-relay\")", criteria.Query);
        Assert.Contains("summarize failures = count()", criteria.Query);
        Assert.Equal(["${alertActions.id}"], alert.Action.ActionGroups);
    }

    [Fact]
    public void The_action_group_sends_email_and_the_webhook_only_by_secret_reference()
    {
        var group = Assert.IsType<ActionGroup>(PlanFixtures.Program("free")["alertActions"].Args);
        Assert.Equal(["oncall@example.net", "voice@example.net"], group.EmailReceivers.Select(e => e.EmailAddress));
        Assert.Equal("${alertWebhookUrl}", Assert.Single(group.WebhookReceivers!).ServiceUri);
        // A stack without the webhook secret: emails only, and the program declares no webhook config.
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        Assert.Null(Assert.IsType<ActionGroup>(dev["alertActions"].Args).WebhookReceivers);
        Assert.DoesNotContain(dev.Config, c => c.Key == "alertWebhookUrl");
    }

    [Fact]
    public void A_webhook_url_given_as_a_secret_never_reaches_the_program_or_plan()
    {
        const string sentinel = "https://hooks.example.net/SENTINEL-webhook-7d2e";
        var config = PlanFixtures.Config("enterprise");
        var values = new Dictionary<string, ConfigValue>(config.Values) { [K.AlertWebhookUrl] = ConfigValue.Secure(sentinel) };
        var settings = SettingsReader.Read(config with { Values = values }, []);
        var program = StackProgramBuilder.Build(settings, new FixedArtifacts());
        var yaml = YamlProgramWriter.Write(program);
        Assert.DoesNotContain(sentinel, yaml);
        Assert.DoesNotContain(sentinel, PlanWriter.Write(settings, program));
        Assert.Contains("serviceUri: \"${alertWebhookUrl}\"", yaml);
        Assert.Contains("url: \"${alertWebhookUrl}\"", yaml);
        Assert.Contains(program.Config, c => c.Key == "alertWebhookUrl" && c.Secret);
    }

    [Theory]
    [InlineData("free", "voice-edge:originErrorSlo", "99.9", "Enterprise-only")]
    [InlineData("business", "voice-edge:originErrorSlo", "99.9", "Enterprise-only")]
    [InlineData("enterprise", "voice-edge:originErrorSlo", "99.5", "not an SLO")]
    [InlineData("pro", "voice-edge:rateLimitRulesetId", "not-a-ruleset", "32-character hex")]
    public void Plan_feature_mismatches_are_refused_in_one_line_naming_file_key_and_fix(string plan, string key, string value, string expected)
    {
        var problem = Assert.Single(PlanFixtures.Problems(plan, (key, value)), p => p.Key == key);
        Assert.StartsWith($"Pulumi.plan-{plan}.yaml: {key}: ", problem.ToString());
        Assert.Contains(expected, problem.Problem);
        Assert.False(string.IsNullOrWhiteSpace(problem.Fix));
        Assert.DoesNotContain('\n', problem.ToString());
    }

    [Theory]
    [InlineData("voice-edge:originErrorSlo", "99.9")]
    [InlineData("voice-edge:rateLimitRulesetId", "0123456789abcdef0123456789abcdef")]
    public void Zone_owner_settings_on_a_stack_that_does_not_own_the_zone_are_refused(string key, string value)
    {
        var problems = Stacks.Problems(Stacks.Edited("dev", (key, value)));
        Assert.Contains(problems, p => p.Key == key && p.Problem.Contains("only applies to the stack that owns the zone", StringComparison.Ordinal));
    }

    private const string ExistingRuleset = "0123456789abcdef0123456789abcdef";

    private const string TheirRule = """
        [{"id":"2c0fc9fa937b11eaa1b71c4d701ab86e","ref":"login_limit","version":"1","description":"Login","expression":"http.request.uri.path eq \"/login\"","action":"block","enabled":true,
          "ratelimit":{"characteristics":["cf.colo.id","ip.src"],"period":60,"requests_per_period":5,"mitigation_timeout":600},"last_updated":"2026-01-01T00:00:00Z"}]
        """;

    [Fact]
    public void Adopting_an_existing_ratelimit_entry_point_imports_it_and_keeps_the_listed_rules_ahead_of_ours()
    {
        var program = PlanFixtures.Program("pro", (K.RateLimitRulesetId, ExistingRuleset), (K.RateLimitKeptRules, TheirRule));
        var resource = program["voiceRateLimit"];
        var importId = $"zones/{PlanFixtures.ZoneId}/{ExistingRuleset}";
        Assert.Equal(importId, resource.Options.Import);
        Assert.True(resource.Options.RetainOnDelete);
        var rules = Assert.IsType<Ruleset>(resource.Args).Rules;
        Assert.Equal(["login_limit", "voice_edge_ws_rate_limit"], rules.Select(r => r.Ref));
        Assert.Equal(("http.request.uri.path eq \"/login\"", "block", 60, 5, 600),
            (rules[0].Expression, rules[0].Action, rules[0].Ratelimit.Period, rules[0].Ratelimit.RequestsPerPeriod, rules[0].Ratelimit.MitigationTimeout));
        Assert.Equal(["cf.colo.id", "ip.src"], rules[0].Ratelimit.Characteristics);

        var options = YamlDocs.Load(YamlProgramWriter.Write(program))["resources"]["voiceRateLimit"]["options"];
        Assert.Equal(importId, options["import"].ToString());
        Assert.Contains($"adopts existing {importId}", PlanWriter.Write(PlanFixtures.Settings("pro", (K.RateLimitRulesetId, ExistingRuleset), (K.RateLimitKeptRules, TheirRule)), program));
    }

    [Fact]
    public void The_import_id_has_the_form_the_pinned_provider_documents()
    {
        // The SDK's own import instructions, e.g. `'<{accounts|zones}/{account_id|zone_id}>/<ruleset_id>'`.
        var doc = File.ReadAllText(Path.Combine(TypeScriptConformance.ModuleDir("cloudflare"), "ruleset.d.ts"));
        var line = Assert.Single(doc.Split('\n'), l => l.Contains("pulumi import cloudflare:index/ruleset:Ruleset", StringComparison.Ordinal));
        Assert.Contains("<{accounts|zones}/{account_id|zone_id}>/<ruleset_id>", line);
        var import = PlanFixtures.Program("pro", (K.RateLimitRulesetId, ExistingRuleset), (K.RateLimitKeptRules, "[]"))["voiceRateLimit"].Options.Import!;
        Assert.Matches("^zones/[0-9a-f]{32}/[0-9a-f]{32}$", import);
    }

    [Fact]
    public void Without_adoption_nothing_is_imported()
    {
        Assert.Null(PlanFixtures.Program("pro")["voiceRateLimit"].Options.Import);
        Assert.DoesNotContain("import:", PlanFixtures.RenderedYaml("pro"));
    }

    [Fact]
    public void Adopting_with_an_empty_kept_list_replaces_the_existing_rules_with_ours_only()
    {
        var ruleset = Assert.IsType<Ruleset>(PlanFixtures.Program("free", (K.RateLimitRulesetId, ExistingRuleset), (K.RateLimitKeptRules, "[]"))["voiceRateLimit"].Args);
        Assert.Equal("voice_edge_ws_rate_limit", Assert.Single(ruleset.Rules).Ref);
    }

    [Theory]
    [InlineData("pro", null, "is missing")]
    [InlineData("free", TheirRule, "free plan allows 1 rate limiting rules")]
    [InlineData("pro", "[{\"ref\":\"a\",\"expression\":\"true\",\"action\":\"block\",\"ratelimit\":{\"characteristics\":[\"cf.colo.id\"],\"period\":10,\"requests_per_period\":1,\"mitigation_timeout\":10}},{\"ref\":\"b\",\"expression\":\"true\",\"action\":\"block\",\"ratelimit\":{\"characteristics\":[\"cf.colo.id\"],\"period\":10,\"requests_per_period\":1,\"mitigation_timeout\":10}}]", "pro plan allows 2")]
    [InlineData("business", "[{\"ref\":\"a\",\"expression\":\"true\",\"action\":\"block\",\"action_parameters\":{},\"ratelimit\":{\"characteristics\":[\"cf.colo.id\"],\"period\":10,\"requests_per_period\":1,\"mitigation_timeout\":10}}]", "cannot declare (action_parameters)")]
    [InlineData("business", "[{\"ref\":\"a\",\"expression\":\"true\",\"action\":\"block\",\"ratelimit\":{\"characteristics\":[\"cf.colo.id\"],\"period\":65535,\"requests_per_period\":1,\"mitigation_timeout\":10}}]", "not allowed on the business plan")]
    [InlineData("business", "{\"ref\":\"a\"}", "not a JSON array")]
    public void Adoption_never_drops_rules_silently(string plan, string? kept, string expected)
    {
        var extra = new List<(string, string)> { (K.RateLimitRulesetId, ExistingRuleset) };
        if (kept is not null) extra.Add((K.RateLimitKeptRules, kept));
        var problem = Assert.Single(PlanFixtures.Problems(plan, [.. extra]));
        Assert.Equal(K.RateLimitKeptRules, problem.Key);
        Assert.Contains(expected, problem.Problem);
        Assert.StartsWith($"Pulumi.plan-{plan}.yaml: {K.RateLimitKeptRules}: ", problem.ToString());
    }

    [Fact]
    public void Kept_rules_without_adoption_are_refused()
    {
        var problem = Assert.Single(PlanFixtures.Problems("pro", (K.RateLimitKeptRules, "[]")));
        Assert.Contains("only applies when adopting", problem.Problem);
    }

    /// <summary>
    /// Written out as infra/README.md "Rate-limit rules per plan" cites them (developers.cloudflare.com/waf/rate-limiting-rules,
    /// "Availability"), not derived from RateLimitPlanRules, so a change to the code's table fails here.
    /// </summary>
    public static TheoryData<string, int[], int[], int> PlanTable => new()
    {
        { "free", [10], [10], 1 },
        { "pro", [10, 15, 20, 30, 40, 45, 60], [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600], 2 },
        { "business", [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600], [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400], 5 },
        { "enterprise", [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535], [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400], 100 },
    };

    [Theory]
    [MemberData(nameof(PlanTable))]
    public void Rate_limit_values_follow_cloudflares_availability_table(string plan, int[] periods, int[] timeouts, int rules)
    {
        var zonePlan = Enum.Parse<ZonePlan>(plan, ignoreCase: true);
        Assert.Equal(periods, RateLimitPlanRules.AllowedPeriods(zonePlan));
        Assert.Equal(timeouts, RateLimitPlanRules.AllowedMitigationTimeouts(zonePlan));
        Assert.Equal(rules, RateLimitPlanRules.MaxRules(zonePlan));
        Assert.Empty(PlanFixtures.Problems(plan, (K.RateLimitPeriod, periods[^1].ToString()), (K.RateLimitMitigation, timeouts[^1].ToString())));
        var ruleset = Assert.IsType<Ruleset>(PlanFixtures.Program(plan, (K.RateLimitPeriod, periods[^1].ToString()))["voiceRateLimit"].Args);
        Assert.Equal(periods[^1], Assert.Single(ruleset.Rules).Ratelimit.Period);
        Assert.Equal(["ip.src", "cf.colo.id"], ruleset.Rules[0].Ratelimit.Characteristics);
    }

    [Theory]
    [InlineData("free", "voice-edge:rateLimitPeriod", "15")]
    [InlineData("pro", "voice-edge:rateLimitPeriod", "90")]
    [InlineData("pro", "voice-edge:rateLimitMitigationTimeout", "86400")]
    [InlineData("business", "voice-edge:rateLimitPeriod", "900")]
    [InlineData("enterprise", "voice-edge:rateLimitPeriod", "86400")]
    [InlineData("enterprise", "voice-edge:rateLimitPeriod", "50")]
    public void Rate_limit_values_beyond_the_plan_are_refused(string plan, string key, string value)
    {
        var problem = Assert.Single(PlanFixtures.Problems(plan, (key, value)));
        Assert.Equal(key, problem.Key);
        Assert.Contains("is not allowed on the", problem.Problem);
    }

    [Fact]
    public void Zone_settings_are_declared_as_the_api_returns_them_without_ignore_changes()
    {
        var program = PlanFixtures.Program("business");
        Assert.All(program.Resources.Where(r => r.Args is ZoneSetting), r => Assert.Empty(r.Options.IgnoreChanges));
        Assert.All(program.All<ZoneSetting>(), z => Assert.Matches("^(on|off|strict|1\\.[0-3])$", z.Value));
        var yaml = PlanFixtures.RenderedYaml("business");
        Assert.Contains("value: \"1.2\"", yaml);
        Assert.Contains("value: \"on\"", yaml);
    }

    [Fact]
    public void Worker_observability_is_declared_in_the_form_the_api_returns()
    {
        var observability = PlanFixtures.Program("free").All<WorkersScript>().Single().Observability!;
        Assert.Equal((true, 1.0), (observability.Enabled, observability.HeadSamplingRate));
        Assert.Equal((true, 1.0, true, true), (observability.Logs!.Enabled, observability.Logs.HeadSamplingRate, observability.Logs.InvocationLogs, observability.Logs.Persist));
    }
}
