using VoiceEdge.Infra.Contracts;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// How long a fleet relay's name may be: it ends the logical name of each of the relay's resources
/// (<c>relayVm-weu</c>), and the providers auto-name a resource from its logical name plus
/// <see cref="AutoNamed.RandomChars"/> random characters within a limit per type (<see cref="ProviderContractTable"/>).
/// The relay's resources whose types allow only 24 characters (metric alerts, web tests, the agent extension, the
/// data collection rule association) are named explicitly in a fleet; the ones left to auto-naming are listed
/// here, and <c>FleetTests</c> checks this list against a rendered fleet.
/// </summary>
public static class RelayNameLimits
{
    /// <summary>The contract's own bound (docs: "1-12 chars [a-z0-9]").</summary>
    public const int ContractMaxLength = 12;

    public static readonly IReadOnlyList<(string BaseName, string TypeToken)> AutoNamed =
    [
        ("network", "azure:network/virtualNetwork:VirtualNetwork"),
        ("subnet", "azure:network/subnet:Subnet"),
        ("relayNsg", "azure:network/networkSecurityGroup:NetworkSecurityGroup"),
        ("relayIp", "azure:network/publicIp:PublicIp"),
        ("relayNic", "azure:network/networkInterface:NetworkInterface"),
        ("relayVm", "azure:compute/linuxVirtualMachine:LinuxVirtualMachine"),
        // The run command is auto-named so that every replacement gets a new name (RelayDeployResources.InstallOptions);
        // its fleet logical name is short for this limit (RelaySite.InstallName).
        ("inst", "azure:compute/runCommand:RunCommand"),
    ];

    /// <summary>The longest relay name every auto-named resource of the relay still fits with.</summary>
    public static int MaxLength { get; } = Math.Min(ContractMaxLength, AutoNamed.Min(a =>
        ProviderContractTable.For(a.TypeToken)?.Name is Contracts.AutoNamed rule
            ? rule.MaxLength - Contracts.AutoNamed.RandomChars - a.BaseName.Length - 1
            : int.MaxValue));

    /// <summary>The first auto-named resource of the relay whose name would be too long, or null.</summary>
    public static string? TooLong(string relayName)
    {
        foreach (var (baseName, token) in AutoNamed)
        {
            if (ProviderContractTable.For(token) is { Name: Contracts.AutoNamed rule } contract && !rule.Fits($"{baseName}-{relayName}"))
                return $"{baseName}-{relayName} plus {Contracts.AutoNamed.RandomChars} random characters is longer than {rule.MaxLength} ({contract.Source})";
        }
        return null;
    }
}
