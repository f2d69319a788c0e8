using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Azure classic provider (azure 6.40.0) resources, named and shaped as the SDK declares them.

public sealed record ResourceGroup : ResourceArgs
{
    public override string TypeToken => "azure:core/resourceGroup:ResourceGroup";
    public required string Name { get; init; }
    public required string Location { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record VirtualNetwork : ResourceArgs
{
    public override string TypeToken => "azure:network/virtualNetwork:VirtualNetwork";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required IReadOnlyList<string> AddressSpaces { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record Subnet : ResourceArgs
{
    public override string TypeToken => "azure:network/subnet:Subnet";
    public required string ResourceGroupName { get; init; }
    public required string VirtualNetworkName { get; init; }
    public required IReadOnlyList<string> AddressPrefixes { get; init; }
}

public sealed record NetworkSecurityGroup : ResourceArgs
{
    public override string TypeToken => "azure:network/networkSecurityGroup:NetworkSecurityGroup";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required IReadOnlyList<SecurityRule> SecurityRules { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record SecurityRule
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required int Priority { get; init; }
    public required string Direction { get; init; }
    public required string Access { get; init; }
    public required string Protocol { get; init; }
    public required string SourcePortRange { get; init; }
    public string? DestinationPortRange { get; init; }
    public string? SourceAddressPrefix { get; init; }
    public IReadOnlyList<string>? SourceAddressPrefixes { get; init; }
    public required string DestinationAddressPrefix { get; init; }
}

public sealed record PublicIp : ResourceArgs
{
    public override string TypeToken => "azure:network/publicIp:PublicIp";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string AllocationMethod { get; init; }
    public required string Sku { get; init; }
    public required string DomainNameLabel { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record NetworkInterface : ResourceArgs
{
    public override string TypeToken => "azure:network/networkInterface:NetworkInterface";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required IReadOnlyList<NicIpConfiguration> IpConfigurations { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record NicIpConfiguration
{
    public required string Name { get; init; }
    public required string SubnetId { get; init; }
    public required string PrivateIpAddressAllocation { get; init; }
    public required string PublicIpAddressId { get; init; }
}

public sealed record NetworkInterfaceSecurityGroupAssociation : ResourceArgs
{
    public override string TypeToken => "azure:network/networkInterfaceSecurityGroupAssociation:NetworkInterfaceSecurityGroupAssociation";
    public required string NetworkInterfaceId { get; init; }
    public required string NetworkSecurityGroupId { get; init; }
}

public sealed record LinuxVirtualMachine : ResourceArgs
{
    public override string TypeToken => "azure:compute/linuxVirtualMachine:LinuxVirtualMachine";
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string Size { get; init; }
    public required string AdminUsername { get; init; }
    public required IReadOnlyList<AdminSshKey> AdminSshKeys { get; init; }
    public required bool DisablePasswordAuthentication { get; init; }
    public required IReadOnlyList<string> NetworkInterfaceIds { get; init; }
    public required OsDisk OsDisk { get; init; }
    public required SourceImageReference SourceImageReference { get; init; }
    public required object CustomData { get; init; }
    public required string PatchMode { get; init; }
    public required string PatchAssessmentMode { get; init; }
    /// <summary>Whether Azure's platform patching may reboot the VM (<c>Always</c>, <c>IfRequired</c>, <c>Never</c>); only with <c>AutomaticByPlatform</c>.</summary>
    public string? RebootSetting { get; init; }
    public required bool ProvisionVmAgent { get; init; }
    public required BootDiagnostics BootDiagnostics { get; init; }
    public VmIdentity? Identity { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record AdminSshKey
{
    public required string Username { get; init; }
    public required string PublicKey { get; init; }
}

public sealed record OsDisk
{
    public required string Caching { get; init; }
    public required string StorageAccountType { get; init; }
    public required int DiskSizeGb { get; init; }
}

public sealed record SourceImageReference
{
    public required string Publisher { get; init; }
    public required string Offer { get; init; }
    public required string Sku { get; init; }
    public required string Version { get; init; }
}

/// <summary>Empty: boot diagnostics into a managed storage account.</summary>
public sealed record BootDiagnostics;

public sealed record ActionGroup : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/actionGroup:ActionGroup";
    public required string ResourceGroupName { get; init; }
    public required string ShortName { get; init; }
    public required string Location { get; init; }
    public required IReadOnlyList<EmailReceiver> EmailReceivers { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public IReadOnlyList<WebhookReceiver>? WebhookReceivers { get; init; }
}

public sealed record EmailReceiver
{
    public required string Name { get; init; }
    public required string EmailAddress { get; init; }
    public required bool UseCommonAlertSchema { get; init; }
}

public sealed record MetricAlert : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/metricAlert:MetricAlert";
    /// <summary>Unset: the provider auto-names it (logical name + 7 random characters, at most 24; see ProviderContractTable).</summary>
    public string? Name { get; init; }
    public required string ResourceGroupName { get; init; }
    public required IReadOnlyList<string> Scopes { get; init; }
    public required string Description { get; init; }
    public required int Severity { get; init; }
    public required string Frequency { get; init; }
    public required string WindowSize { get; init; }
    public required IReadOnlyList<MetricAlertCriteria> Criterias { get; init; }
    public required IReadOnlyList<MetricAlertAction> Actions { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record MetricAlertCriteria
{
    public required string MetricNamespace { get; init; }
    public required string MetricName { get; init; }
    public required string Aggregation { get; init; }
    public required string Operator { get; init; }
    public required double Threshold { get; init; }
}

public sealed record MetricAlertAction
{
    public required string ActionGroupId { get; init; }
}

/// <summary>Which managed identity the VM gets; the deploy reads its package blob with it.</summary>
public sealed record VmIdentity
{
    public required string Type { get; init; }
}

/// <summary>
/// Holds the packaged relay. Anonymous access is off (<c>allowNestedItemsToBePublic: false</c>) and the only
/// reader is the relay VM's managed identity. Network access stays on: the deploying machine uploads over the
/// data plane and the VM downloads over the internet, both authenticated.
/// </summary>
public sealed record StorageAccount : ResourceArgs
{
    public override string TypeToken => "azure:storage/account:Account";
    public required string Name { get; init; }
    public required string ResourceGroupName { get; init; }
    public required string Location { get; init; }
    public required string AccountTier { get; init; }
    public required string AccountReplicationType { get; init; }
    public required string AccountKind { get; init; }
    public required string MinTlsVersion { get; init; }
    public required bool HttpsTrafficOnlyEnabled { get; init; }
    public required bool AllowNestedItemsToBePublic { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

/// <summary>With <c>storageAccountId</c> the provider creates it through Resource Manager; its <c>id</c> is the ARM id a role assignment scopes to.</summary>
public sealed record StorageContainer : ResourceArgs
{
    public override string TypeToken => "azure:storage/container:Container";
    public required string Name { get; init; }
    public required string StorageAccountId { get; init; }
    public required string ContainerAccessType { get; init; }
}

/// <summary>
/// Placed by <c>storageContainerId</c> (the container's ARM id): <c>storageAccountName</c> and
/// <c>storageContainerName</c> are deprecated in 6.40.0's <c>storage/blob.d.ts</c>. All three are optional and
/// computed, and Read sets all three (terraform-provider-azurerm v4.81.0
/// <c>internal/services/storage/storage_blob_resource.go</c> lines 62-65, 170-193, 521-525), so a blob created with
/// the names shows no diff when the program switches to the id: no replacement.
/// </summary>
public sealed record StorageBlob : ResourceArgs
{
    public override string TypeToken => "azure:storage/blob:Blob";
    public required string Name { get; init; }
    public required string StorageContainerId { get; init; }
    public required string Type { get; init; }
    public required string ContentType { get; init; }
    public required object Source { get; init; }
}

public sealed record RoleAssignment : ResourceArgs
{
    public override string TypeToken => "azure:authorization/assignment:Assignment";
    public required string Scope { get; init; }
    public required string RoleDefinitionName { get; init; }
    public required string PrincipalId { get; init; }
    /// <summary>Set so Azure does not look the new identity up in Entra ID first (replication delay on a fresh VM).</summary>
    public required string PrincipalType { get; init; }
}

/// <summary>
/// A managed Run Command on the VM (Microsoft.Compute/virtualMachines/runCommands). The provider runs it
/// synchronously and fails the deploy when the script exits non-zero (treatFailureAsDeploymentFailure, in
/// terraform-provider-azurerm internal/services/compute/virtual_machine_run_command_resource.go). On Linux the
/// handler sets each named parameter, protected or not, as an environment variable of the script
/// (Azure/run-command-handler-linux internal/exec/exec.go, SetEnvironmentVariables).
/// </summary>
public sealed record RunCommand : ResourceArgs
{
    public override string TypeToken => "azure:compute/runCommand:RunCommand";
    /// <summary>Unset: the provider auto-names it (logical name + 7 random hex digits), anew on every replacement.</summary>
    public string? Name { get; init; }
    public required string Location { get; init; }
    public required string VirtualMachineId { get; init; }
    public required RunCommandSource Source { get; init; }
    public required IReadOnlyList<RunCommandParameter> Parameters { get; init; }
    /// <summary>Secrets go here only: the API never returns them and the provider marks them sensitive.</summary>
    public required IReadOnlyList<RunCommandParameter> ProtectedParameters { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record RunCommandSource
{
    public required object Script { get; init; }
}

public sealed record RunCommandParameter
{
    public required string Name { get; init; }
    public required string Value { get; init; }
}
