namespace VoiceEdge.Infra.Contracts;

/// <summary>
/// The Azure classic provider's rules for the types the program emits. Names: pulumi/pulumi-azure
/// <c>provider/resources.go</c> at v6.39.0 (see <see cref="ProviderContractTable"/>). Replacement and write-only
/// inputs: hashicorp/terraform-provider-azurerm at v4.80.0, the <c>upstream</c> commit pulumi-azure v6.39.0 bridges
/// (6556cf11; the files cited are unchanged in v4.81.0 except ssh_keys.go and shared_schema.go, one line each, not the
/// lines cited). <c>resource_group_name</c> and <c>location</c> are <c>commonschema.ResourceGroupName()</c> and
/// <c>commonschema.Location()</c>, both <c>ForceNew: true</c> (vendor/github.com/hashicorp/go-azure-helpers/
/// resourcemanager/commonschema/resource_group_name.go:11-18, location.go:11-19). Permissions: the operations each
/// provider call makes, as Azure names them (learn.microsoft.com/azure/role-based-access-control/resource-provider-operations);
/// every write also reads (the provider GETs before and after), and a <c>join/action</c> is the linked access check
/// Azure makes on a resource another one references.
/// </summary>
internal static class AzureContracts
{
    private const string Names = "pulumi/pulumi-azure v6.39.0 provider/resources.go";
    private const string Rm = "hashicorp/terraform-provider-azurerm v4.80.0 internal/services";
    private const string Ops = "learn.microsoft.com/azure/role-based-access-control/resource-provider-operations";
    private static readonly AutoNamed Default24 = new(24);

    private static ForcesReplacement Rg(string file, int line) => new("resourceGroupName", $"{Rm}/{file}:{line} (commonschema.ResourceGroupName)");
    private static ForcesReplacement Loc(string file, int line) => new("location", $"{Rm}/{file}:{line} (commonschema.Location)");
    private static ForcesReplacement New(string input, string file, string lines) => new(input, $"{Rm}/{file}:{lines}");

    /// <summary>Write, read and delete of one ARM type, plus what creating or updating it also needs.</summary>
    private static DeployPermissions Arm(string type, string[]? alsoOnWrite = null, string? note = null)
    {
        string[] write = [$"{type}/write", $"{type}/read", .. alsoOnWrite ?? []];
        return new(write, write, [$"{type}/delete", $"{type}/read"], note is null ? Ops : $"{Ops}; {note}");
    }

    public static IReadOnlyList<ProviderContract> All =>
    [
        new("azure:core/resourceGroup:ResourceGroup", new AutoNamed(90), $"{Names}:1066-1073")
        {
            ForcesReplacement = [New("name", "resource/resource_group_resource.go", "49"), Loc("resource/resource_group_resource.go", 51)],
            InPlace = ["tags"],
            WriteOnly = [],
            NameInputs = [new("name", @"^[-\w._()]{0,89}[-\w_()]$", "vendor/github.com/hashicorp/go-azure-helpers/resourcemanager/resourcegroups/validate.go:15-25 (1-90 characters, not ending in a period)")],
            Permissions = Arm("Microsoft.Resources/subscriptions/resourceGroups",
                note: "created at subscription scope: the group does not exist before the first deploy; a delete is refused while the group holds "
                    + $"resources Pulumi does not manage (hashicorp/terraform-provider-azurerm v4.80.0 internal/features/defaults.go:49, {Rm}/resource/resource_group_resource.go:196-202)"),
        },
        new("azure:network/virtualNetwork:VirtualNetwork", new AutoNamed(64), $"{Names}:1933-1940")
        {
            ForcesReplacement = [New("name", "network/virtual_network_resource.go", "70-73"), Rg("network/virtual_network_resource.go", 77), Loc("network/virtual_network_resource.go", 79)],
            InPlace = ["addressSpaces", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Network/virtualNetworks"),
        },
        new("azure:network/subnet:Subnet", new AutoNamed(80), $"{Names}:2095-2102")
        {
            ForcesReplacement =
            [
                New("name", "network/subnet_resource.go", "139-142"), Rg("network/subnet_resource.go", 145),
                New("virtualNetworkName", "network/subnet_resource.go", "147-150"),
            ],
            InPlace = ["addressPrefixes"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Network/virtualNetworks/subnets"),
        },
        new("azure:network/networkSecurityGroup:NetworkSecurityGroup", new AutoNamed(80), $"{Names}:2023-2030")
        {
            // security_rule (68) is an inline block without ForceNew: a rule change (admin CIDRs) updates in place.
            ForcesReplacement = [New("name", "network/network_security_group_resource.go", "58-61"), Loc("network/network_security_group_resource.go", 64), Rg("network/network_security_group_resource.go", 66)],
            InPlace = ["securityRules", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Network/networkSecurityGroups"),
        },
        new("azure:network/publicIp:PublicIp", new AutoNamed(80), $"{Names}:2066-2073")
        {
            ForcesReplacement =
            [
                New("name", "network/public_ip_resource.go", "57-60"), Loc("network/public_ip_resource.go", 64), Rg("network/public_ip_resource.go", 66),
                New("sku", "network/public_ip_resource.go", "108-111"),
            ],
            InPlace = ["allocationMethod", "domainNameLabel", "tags"],
            WriteOnly = [],
            NameInputs = [new("domainNameLabel", "^[a-z][a-z0-9-]{1,61}[a-z0-9]$", $"{Rm}/network/validate/public_ip.go:11-14 (3-63 characters)")],
            Permissions = Arm("Microsoft.Network/publicIPAddresses"),
        },
        new("azure:network/networkInterface:NetworkInterface", new AutoNamed(80), $"{Names}:2004-2011")
        {
            ForcesReplacement = [New("name", "network/network_interface_resource.go", "57-60"), Loc("network/network_interface_resource.go", 63), Rg("network/network_interface_resource.go", 65)],
            InPlace = ["ipConfigurations", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Network/networkInterfaces",
                ["Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/publicIPAddresses/join/action"]),
        },
        new("azure:network/networkInterfaceSecurityGroupAssociation:NetworkInterfaceSecurityGroupAssociation", new NotAutoNamed(),
            $"{Names}:2021 (no name input in azurerm network_interface_security_group_association_resource.go)")
        {
            ForcesReplacement =
            [
                New("networkInterfaceId", "network/network_interface_security_group_association_resource.go", "42-45"),
                New("networkSecurityGroupId", "network/network_interface_security_group_association_resource.go", "49-52"),
            ],
            InPlace = [],
            WriteOnly = [],
            // It PUTs the NIC with the group set (and again without it on delete).
            Permissions = new(
                ["Microsoft.Network/networkInterfaces/write", "Microsoft.Network/networkInterfaces/read", "Microsoft.Network/networkSecurityGroups/join/action"],
                ["Microsoft.Network/networkInterfaces/write", "Microsoft.Network/networkInterfaces/read", "Microsoft.Network/networkSecurityGroups/join/action"],
                ["Microsoft.Network/networkInterfaces/write", "Microsoft.Network/networkInterfaces/read"], Ops),
        },
        new("azure:compute/linuxVirtualMachine:LinuxVirtualMachine", new AutoNamed(80), $"{Names}:1226-1232")
        {
            // Not ForceNew, so updated in place: size (a power cycle, below), networkInterfaceIds (a power cycle, 1336-1345),
            // osDisk.caching and diskSizeGb, patchMode, patchAssessmentMode, identity, bootDiagnostics, tags.
            ForcesReplacement =
            [
                Rg("compute/linux_virtual_machine_resource.go", 66), Loc("compute/linux_virtual_machine_resource.go", 68),
                New("adminUsername", "compute/linux_virtual_machine_resource.go", "70-77"),
                New("customData", "compute/linux_virtual_machine_resource.go", "191-194"),
                New("disablePasswordAuthentication", "compute/linux_virtual_machine_resource.go", "226-230"),
                New("provisionVmAgent", "compute/linux_virtual_machine_resource.go", "311-316"),
                New("adminSshKeys", "compute/ssh_keys.go", "21-43 (SSHKeysSchemaVM: the set, public_key and username)"),
                New("sourceImageReference", "compute/shared_schema.go", "591-625 (sourceImageReferenceSchemaVM: publisher, offer, sku, version)"),
                New("osDisk.storageAccountType", "compute/virtual_machine.go", "141-147"),
            ],
            InPlace = ["size", "networkInterfaceIds", "osDisk", "patchMode", "patchAssessmentMode", "rebootSetting", "bootDiagnostics", "identity", "tags"],
            WriteOnly =
            [
                new("customData", "never sent by an update: it forces replacement; the API does not return it, so the provider keeps the planned value (a change made outside Pulumi is never seen)",
                    $"{Rm}/compute/linux_virtual_machine_resource.go:191-199 (Sensitive)"),
            ],
            Disruptive =
            [
                new("size", "powers the VM off (deallocates it when the size is not on its host), resizes it, then starts it; an error returns before the start and leaves the VM off",
                    $"{Rm}/compute/linux_virtual_machine_resource.go:1417-1456, 1665-1684, 1747-1761"),
                new("networkInterfaceIds", "powers the VM off and deallocates it, then starts it",
                    $"{Rm}/compute/linux_virtual_machine_resource.go:1336-1345, 1665-1684, 1754-1761"),
            ],
            Permissions = Arm("Microsoft.Compute/virtualMachines",
                ["Microsoft.Network/networkInterfaces/join/action", "Microsoft.Compute/virtualMachines/powerOff/action",
                    "Microsoft.Compute/virtualMachines/deallocate/action", "Microsoft.Compute/virtualMachines/start/action"],
                "power off, deallocate and start for a resize (linux_virtual_machine_resource.go:1665-1761)"),
        },
        new("azure:compute/extension:Extension", Default24, $"{Names}:1190 (no override) and :3705")
        {
            ForcesReplacement =
            [
                New("name", "compute/virtual_machine_extension_resource.go", "50-53"),
                New("virtualMachineId", "compute/virtual_machine_extension_resource.go", "60-63"),
                New("publisher", "compute/virtual_machine_extension_resource.go", "67-70"),
            ],
            // protected_settings (107-110) is sensitive and write-only; the program sets none.
            InPlace = ["type", "typeHandlerVersion", "autoUpgradeMinorVersion", "automaticUpgradeEnabled", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Compute/virtualMachines/extensions"),
        },
        new("azure:compute/runCommand:RunCommand", Default24,
            $"{Names}:3705 (token computed by MustComputeTokens, no entry); the program leaves the name unset: auto-named, and a new name on every replacement (replaceOnChanges: *, RelayDeployResources.InstallOptions)")
        {
            ForcesReplacement =
            [
                New("name", "compute/virtual_machine_run_command_resource.go", "90-95"),
                New("virtualMachineId", "compute/virtual_machine_run_command_resource.go", "97-100"),
                New("location", "compute/virtual_machine_run_command_resource.go", "305 (commonschema.Location)"),
            ],
            InPlace = ["source", "parameters", "protectedParameters", "tags"],
            WriteOnly =
            [
                new("protectedParameters",
                    "an Update PUTs back the GET of the existing run command, which never holds them, and sets them only when they changed: an update that changes anything else runs the script without them",
                    $"{Rm}/compute/virtual_machine_run_command_resource.go:270-273 (Sensitive), 421 (not returned by the API), 502-531, 553-555"),
            ],
            NameInputs = [new("name", "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,78}[a-zA-Z0-9_]$", $"{Rm}/compute/validate/virtual_machine_run_command_name.go:26-39 (1-80 characters)")],
            Permissions = Arm("Microsoft.Compute/virtualMachines/runCommands"),
        },
        new("azure:storage/account:Account", new AutoNamed(24), $"{Names}:2230-2236")
        {
            ForcesReplacement =
            [
                New("name", "storage/storage_account_resource.go", "96-99"), Rg("storage/storage_account_resource.go", 103),
                Loc("storage/storage_account_resource.go", 105), New("accountTier", "storage/storage_account_resource.go", "114-117"),
            ],
            InPlace = ["accountReplicationType", "accountKind", "minTlsVersion", "httpsTrafficOnlyEnabled", "allowNestedItemsToBePublic", "tags"],
            WriteOnly = [],
            // Read lists the account keys (storage_account_resource.go:2322) to fill the key outputs.
            NameInputs = [new("name", "^[a-z0-9]{3,24}$", $"{Rm}/storage/storage_account_resource.go:96-101 (3-24 lowercase letters and digits)")],
            Permissions = Arm("Microsoft.Storage/storageAccounts", ["Microsoft.Storage/storageAccounts/listKeys/action"],
                "Read lists the keys: storage_account_resource.go:2149, 2322"),
        },
        new("azure:storage/container:Container", new AutoNamed(63), $"{Names}:2279-2286")
        {
            ForcesReplacement = [New("name", "storage/storage_container_resource.go", "77-80"), New("storageAccountId", "storage/storage_container_resource.go", "84-87")],
            InPlace = ["containerAccessType"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Storage/storageAccounts/blobServices/containers"),
        },
        new("azure:storage/blob:Blob", new AutoNamed(1024), $"{Names}:2261-2268")
        {
            ForcesReplacement =
            [
                New("name", "storage/storage_blob_resource.go", "55-58"), New("storageContainerId", "storage/storage_blob_resource.go", "62-65"),
                New("type", "storage/storage_blob_resource.go", "68-71"), New("source", "storage/storage_blob_resource.go", "116-119"),
            ],
            InPlace = ["contentType"],
            WriteOnly =
            [
                new("source", "the blob's content is never read back; the program ignores changes to it (a rebuild is not byte-identical), and the blob's name carries the sources' hash",
                    $"{Rm}/storage/storage_blob_resource.go:116-119"),
            ],
            // The blob is written over the data plane; without storage_use_azuread (pulumi-azure's default) with the
            // account key, which the provider lists (storage/client/data_plane.go:47-75).
            Permissions = new(
                ["Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/listKeys/action"],
                ["Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/listKeys/action"],
                ["Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/listKeys/action"],
                $"{Ops}; shared key auth: {Rm}/storage/client/data_plane.go:47-75 (with storageUseAzuread, the data actions Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write, read and delete instead)"),
        },
        new("azure:authorization/assignment:Assignment", new NotAutoNamed(),
            $"{Names}:3501-3505 (auto-naming suppressed; azurerm role_assignment_resource.go:54-60 makes a GUID)")
        {
            ForcesReplacement =
            [
                New("scope", "authorization/role_assignment_resource.go", "62-65"),
                New("roleDefinitionName", "authorization/role_assignment_resource.go", "91-95"),
                New("principalId", "authorization/role_assignment_resource.go", "101-104"),
                New("principalType", "authorization/role_assignment_resource.go", "107-111"),
            ],
            InPlace = [],
            WriteOnly = [],
            // Contributor's NotActions hold Microsoft.Authorization/*/Write and */Delete: it can do neither.
            Permissions = new(
                ["Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/read", "Microsoft.Authorization/roleDefinitions/read"],
                [],
                ["Microsoft.Authorization/roleAssignments/delete", "Microsoft.Authorization/roleAssignments/read"],
                $"{Ops}; every input forces replacement, so there is no update; role_definition_name is resolved by listing role definitions"),
        },
        new("azure:monitoring/actionGroup:ActionGroup", new AutoNamed(260), $"{Names}:1701-1708")
        {
            ForcesReplacement =
            [
                New("name", "monitor/monitor_action_group_resource.go", "57-60"), Rg("monitor/monitor_action_group_resource.go", 64),
                New("location", "monitor/monitor_action_group_resource.go", "66-69"),
            ],
            // webhook_receiver.service_uri (205) is not sensitive in the provider: the API returns it.
            InPlace = ["shortName", "emailReceivers", "webhookReceivers", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/actionGroups"),
        },
        new("azure:monitoring/metricAlert:MetricAlert", Default24, $"{Names}:1728 (no override) and :3705")
        {
            ForcesReplacement = [New("name", "monitor/monitor_metric_alert_resource.go", "57-60"), Rg("monitor/monitor_metric_alert_resource.go", 64)],
            InPlace = ["scopes", "description", "severity", "frequency", "windowSize", "criterias", "applicationInsightsWebTestLocationAvailabilityCriteria", "actions", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/metricAlerts"),
        },
        new("azure:monitoring/scheduledQueryRulesAlertV2:ScheduledQueryRulesAlertV2", Default24, $"{Names}:1737-1739 (no override) and :3705")
        {
            ForcesReplacement =
            [
                New("name", "monitor/monitor_scheduled_query_rules_alert_v2_resource.go", "94-97"), Rg("monitor/monitor_scheduled_query_rules_alert_v2_resource.go", 101),
                Loc("monitor/monitor_scheduled_query_rules_alert_v2_resource.go", 103), New("scopes", "monitor/monitor_scheduled_query_rules_alert_v2_resource.go", "237-242"),
            ],
            InPlace = ["description", "severity", "evaluationFrequency", "windowDuration", "criterias", "action", "autoMitigationEnabled", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/scheduledQueryRules"),
        },
        new("azure:monitoring/dataCollectionRule:DataCollectionRule", Default24, $"{Names}:1735 (no override) and :3705")
        {
            ForcesReplacement =
            [
                New("name", "monitor/monitor_data_collection_rule_resource.go", "207-210"), Rg("monitor/monitor_data_collection_rule_resource.go", 214),
                Loc("monitor/monitor_data_collection_rule_resource.go", 216),
            ],
            InPlace = ["kind", "description", "dataSources", "destinations", "dataFlows", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/dataCollectionRules"),
        },
        new("azure:monitoring/dataCollectionRuleAssociation:DataCollectionRuleAssociation", Default24,
            $"{Names}:1740 (no override) and :3705; name is optional in azurerm monitor_data_collection_rule_association_resource.go:41-46")
        {
            ForcesReplacement =
            [
                New("targetResourceId", "monitor/monitor_data_collection_rule_association_resource.go", "34-37"),
                New("name", "monitor/monitor_data_collection_rule_association_resource.go", "41-45"),
            ],
            InPlace = ["dataCollectionRuleId", "description"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/dataCollectionRuleAssociations", ["Microsoft.Insights/dataCollectionRules/read"]),
        },
        new("azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace", Default24, $"{Names}:1646 (no override) and :3705")
        {
            ForcesReplacement =
            [
                New("name", "loganalytics/log_analytics_workspace_resource.go", "65-68"), Loc("loganalytics/log_analytics_workspace_resource.go", 72),
                Rg("loganalytics/log_analytics_workspace_resource.go", 74),
            ],
            InPlace = ["sku", "retentionInDays", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.OperationalInsights/workspaces", ["Microsoft.OperationalInsights/workspaces/sharedKeys/action"],
                "Read fetches the shared keys: log_analytics_workspace_resource.go:667"),
        },
        new("azure:appinsights/insights:Insights", new AutoNamed(255), $"{Names}:793-799")
        {
            ForcesReplacement =
            [
                New("name", "applicationinsights/application_insights_resource.go", "58-61"), Rg("applicationinsights/application_insights_resource.go", 64),
                Loc("applicationinsights/application_insights_resource.go", 66), New("applicationType", "applicationinsights/application_insights_resource.go", "68-71"),
            ],
            InPlace = ["workspaceId", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/components"),
        },
        new("azure:appinsights/standardWebTest:StandardWebTest", Default24, $"{Names}:823 (no override) and :3705")
        {
            ForcesReplacement =
            [
                New("name", "applicationinsights/application_insights_standard_web_test_resource.go", "109-112"),
                Rg("applicationinsights/application_insights_standard_web_test_resource.go", 116),
                New("applicationInsightsId", "applicationinsights/application_insights_standard_web_test_resource.go", "118-121"),
                Loc("applicationinsights/application_insights_standard_web_test_resource.go", 125),
            ],
            InPlace = ["description", "enabled", "frequency", "timeout", "retryEnabled", "geoLocations", "request", "validationRules", "tags"],
            WriteOnly = [],
            Permissions = Arm("Microsoft.Insights/webtests", ["Microsoft.Insights/components/read"]),
        },
    ];
}
