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
