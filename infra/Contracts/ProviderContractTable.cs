namespace VoiceEdge.Infra.Contracts;

/// <summary>
/// The providers' own rules for every resource type the program emits, read from their source at the pinned
/// versions (not from the SDK's type definitions). Azure: pulumi/pulumi-azure <c>provider/resources.go</c> calls
/// <c>prov.SetAutonaming(24, "")</c> (line 3705 at v6.39.0, the newest tag mirrored; v6.40.0 bridges the same
/// terraform-provider-azurerm v4.80/4.81 files), which gives every resource with an optional or required
/// <c>name</c> input logical name + 7 random characters, at most 24, unless its entry overrides it with
/// <c>AutoNameWithCustomOptions(... Maxlen: N)</c> (the lines cited). Cloudflare: pulumi/pulumi-cloudflare
/// <c>provider/resources.go</c> never calls SetAutonaming or AutoName, so nothing is auto-named there. Command:
/// a native provider; <c>command:local:Command</c> has no name input. A type the program emits without an entry
/// here fails <c>ProviderContractTests</c>.
/// </summary>
public static class ProviderContractTable
{
    private const string Azure = "pulumi/pulumi-azure v6.39.0 provider/resources.go";
    private static readonly AutoNamed Default24 = new(24);

    public static readonly IReadOnlyList<ProviderContract> All =
    [
        new("azure:core/resourceGroup:ResourceGroup", new AutoNamed(90), $"{Azure}:1066-1073"),
        new("azure:network/virtualNetwork:VirtualNetwork", new AutoNamed(64), $"{Azure}:1933-1940"),
        new("azure:network/subnet:Subnet", new AutoNamed(80), $"{Azure}:2095-2102"),
        new("azure:network/networkSecurityGroup:NetworkSecurityGroup", new AutoNamed(80), $"{Azure}:2023-2030"),
        new("azure:network/publicIp:PublicIp", new AutoNamed(80), $"{Azure}:2066-2073"),
        new("azure:network/networkInterface:NetworkInterface", new AutoNamed(80), $"{Azure}:2004-2011"),
        new("azure:network/networkInterfaceSecurityGroupAssociation:NetworkInterfaceSecurityGroupAssociation", new NotAutoNamed(),
            $"{Azure}:2021 (no name input in azurerm network_interface_security_group_association_resource.go)"),
        new("azure:compute/linuxVirtualMachine:LinuxVirtualMachine", new AutoNamed(80), $"{Azure}:1226-1232"),
        new("azure:compute/extension:Extension", Default24, $"{Azure}:1190 (no override) and :3705"),
        new("azure:compute/runCommand:RunCommand", Default24,
            $"{Azure}:3705 (token computed by MustComputeTokens, no entry); auto-named and replaced on any change, a new name each time (azurerm virtual_machine_run_command_resource.go:90-95, ForceNew, 1-80 chars)"),
        new("azure:storage/account:Account", new AutoNamed(24), $"{Azure}:2230-2236"),
        new("azure:storage/container:Container", new AutoNamed(63), $"{Azure}:2279-2286"),
        new("azure:storage/blob:Blob", new AutoNamed(1024), $"{Azure}:2261-2268"),
        new("azure:authorization/assignment:Assignment", new NotAutoNamed(),
            $"{Azure}:3501-3505 (auto-naming suppressed; azurerm role_assignment_resource.go:54-60 makes a GUID)"),
        new("azure:monitoring/actionGroup:ActionGroup", new AutoNamed(260), $"{Azure}:1701-1708"),
        new("azure:monitoring/metricAlert:MetricAlert", Default24, $"{Azure}:1728 (no override) and :3705"),
        new("azure:monitoring/scheduledQueryRulesAlertV2:ScheduledQueryRulesAlertV2", Default24, $"{Azure}:1737-1739 (no override) and :3705"),
        new("azure:monitoring/dataCollectionRule:DataCollectionRule", Default24, $"{Azure}:1735 (no override) and :3705"),
        new("azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation", Default24,
            $"{Azure}:1740 (no override) and :3705; name is optional in azurerm monitor_data_collection_rule_association_resource.go:41-46"),
        new("azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace", Default24, $"{Azure}:1646 (no override) and :3705"),
        new("azure:appinsights/insights:Insights", new AutoNamed(255), $"{Azure}:793-799"),
        new("azure:appinsights/standardWebTest:StandardWebTest", Default24, $"{Azure}:823 (no override) and :3705"),
        .. new[]
        {
            "cloudflare:index/zoneSetting:ZoneSetting", "cloudflare:index/dnsRecord:DnsRecord",
            "cloudflare:index/workersScript:WorkersScript", "cloudflare:index/workersRoute:WorkersRoute",
            "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain", "cloudflare:index/ruleset:Ruleset",
            "cloudflare:index/notificationPolicy:NotificationPolicy", "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks",
            "cloudflare:index/healthcheck:Healthcheck",
        }.Select(token => new ProviderContract(token, new NotAutoNamed(),
            "pulumi/pulumi-cloudflare provider/resources.go (no SetAutonaming/AutoName; names are required inputs the program sets)")),
        new("command:local:Command", new NotAutoNamed(), "pulumi/pulumi-command (native provider; no name input)"),
    ];

    public static ProviderContract? For(string typeToken) => All.FirstOrDefault(c => c.TypeToken == typeToken);
}
