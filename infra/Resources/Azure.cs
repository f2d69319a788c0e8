using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Resources;

// Azure classic provider (azure 6.40.0) resources, named and shaped as the SDK declares them.

public sealed record ResourceGroup(string Name, string Location, IReadOnlyDictionary<string, string> Tags) : ResourceArgs
{
    public override string TypeToken => "azure:core/resourceGroup:ResourceGroup";
}

public sealed record VirtualNetwork(string ResourceGroupName, string Location, IReadOnlyList<string> AddressSpaces, IReadOnlyDictionary<string, string> Tags) : ResourceArgs
{
    public override string TypeToken => "azure:network/virtualNetwork:VirtualNetwork";
}

public sealed record Subnet(string ResourceGroupName, string VirtualNetworkName, IReadOnlyList<string> AddressPrefixes) : ResourceArgs
{
    public override string TypeToken => "azure:network/subnet:Subnet";
}

public sealed record NetworkSecurityGroup(string ResourceGroupName, string Location, IReadOnlyList<SecurityRule> SecurityRules, IReadOnlyDictionary<string, string> Tags) : ResourceArgs
{
    public override string TypeToken => "azure:network/networkSecurityGroup:NetworkSecurityGroup";
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

public sealed record NetworkInterface(string ResourceGroupName, string Location, IReadOnlyList<NicIpConfiguration> IpConfigurations, IReadOnlyDictionary<string, string> Tags) : ResourceArgs
{
    public override string TypeToken => "azure:network/networkInterface:NetworkInterface";
}

public sealed record NicIpConfiguration(string Name, string SubnetId, string PrivateIpAddressAllocation, string PublicIpAddressId);

public sealed record NetworkInterfaceSecurityGroupAssociation(string NetworkInterfaceId, string NetworkSecurityGroupId) : ResourceArgs
{
    public override string TypeToken => "azure:network/networkInterfaceSecurityGroupAssociation:NetworkInterfaceSecurityGroupAssociation";
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
    public required bool ProvisionVmAgent { get; init; }
    public required BootDiagnostics BootDiagnostics { get; init; }
    public VmIdentity? Identity { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record AdminSshKey(string Username, string PublicKey);

public sealed record OsDisk(string Caching, string StorageAccountType, int DiskSizeGb);

public sealed record SourceImageReference(string Publisher, string Offer, string Sku, string Version);

/// <summary>Empty: boot diagnostics into a managed storage account.</summary>
public sealed record BootDiagnostics;

public sealed partial record ActionGroup(string ResourceGroupName, string ShortName, string Location, IReadOnlyList<EmailReceiver> EmailReceivers, IReadOnlyDictionary<string, string> Tags) : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/actionGroup:ActionGroup";
}

public sealed record EmailReceiver(string Name, string EmailAddress, bool UseCommonAlertSchema);

public sealed record MetricAlert : ResourceArgs
{
    public override string TypeToken => "azure:monitoring/metricAlert:MetricAlert";
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

public sealed record MetricAlertCriteria(string MetricNamespace, string MetricName, string Aggregation, string Operator, double Threshold);

public sealed record MetricAlertAction(string ActionGroupId);

/// <summary>Which managed identity the VM gets; the deploy reads its package blob with it.</summary>
public sealed record VmIdentity(string Type);

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
public sealed record StorageContainer(string Name, string StorageAccountId, string ContainerAccessType) : ResourceArgs
{
    public override string TypeToken => "azure:storage/container:Container";
}

public sealed record StorageBlob : ResourceArgs
{
    public override string TypeToken => "azure:storage/blob:Blob";
    public required string Name { get; init; }
    public required string StorageAccountName { get; init; }
    public required string StorageContainerName { get; init; }
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
    public required string Name { get; init; }
    public required string Location { get; init; }
    public required string VirtualMachineId { get; init; }
    public required RunCommandSource Source { get; init; }
    public required IReadOnlyList<RunCommandParameter> Parameters { get; init; }
    /// <summary>Secrets go here only: the API never returns them and the provider marks them sensitive.</summary>
    public required IReadOnlyList<RunCommandParameter> ProtectedParameters { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}

public sealed record RunCommandSource(object Script);

public sealed record RunCommandParameter(string Name, string Value);
