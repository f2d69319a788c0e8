using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// The Azure VM that hosts the relay: its network (443 and 80 open for Caddy, 22 only when admin CIDRs are set
/// and only from them, nothing else), a system-assigned identity for the deploy, a static public IP whose DNS name the ws record points at, and alerts.
/// </summary>
public static class RelayHostResources
{
    /// <summary>
    /// Declares one relay's host and returns the handles the other concerns reference. The stack's resource group is
    /// declared with the first relay (in the stack's home region, <c>azureLocation</c>) and passed to the others.
    /// </summary>
    public static RelayHostRefs Declare(StackContext context, RelaySite relay, ResourceRef? sharedResourceGroup = null)
    {
        var s = context.Settings;
        var host = relay.Host;
        var tags = context.Tags;

        var resourceGroup = sharedResourceGroup ?? context.Define("resourceGroup", Concern.RelayHost, new ResourceGroup { Name = $"voice-edge-{s.StackName}", Location = s.RelayHost!.Location, Tags = tags });
        var rg = resourceGroup.Output("name");
        var network = context.Define(relay.Named("network"), Concern.RelayHost, new VirtualNetwork { ResourceGroupName = rg, Location = host.Location, AddressSpaces = ["10.60.0.0/16"], Tags = tags });
        var subnet = context.Define(relay.Named("subnet"), Concern.RelayHost, new Subnet { ResourceGroupName = rg, VirtualNetworkName = network.Output("name"), AddressPrefixes = ["10.60.1.0/24"] });
        var nsg = context.Define(relay.Named("relayNsg"), Concern.RelayHost, new NetworkSecurityGroup { ResourceGroupName = rg, Location = host.Location, SecurityRules = SecurityRules(host.AdminCidrs), Tags = tags });
        var ip = context.Define(relay.Named("relayIp"), Concern.RelayHost, new PublicIp
        {
            ResourceGroupName = rg,
            Location = host.Location,
            AllocationMethod = "Static",
            Sku = "Standard",
            DomainNameLabel = host.DnsLabel,
            Tags = tags,
        });
        var nic = context.Define(relay.Named("relayNic"), Concern.RelayHost, new NetworkInterface
        {
            ResourceGroupName = rg,
            Location = host.Location,
            IpConfigurations = [new NicIpConfiguration { Name = "primary", SubnetId = subnet.Id, PrivateIpAddressAllocation = "Dynamic", PublicIpAddressId = ip.Id }],
            Tags = tags,
        });
        var nicNsg = context.Define(relay.Named("relayNicNsg"), Concern.RelayHost,
            new NetworkInterfaceSecurityGroupAssociation { NetworkInterfaceId = nic.Id, NetworkSecurityGroupId = nsg.Id });
        var vm = context.Define(relay.Named("relayVm"), Concern.RelayHost, new LinuxVirtualMachine
        {
            ResourceGroupName = rg,
            Location = host.Location,
            Size = host.VmSize,
            AdminUsername = host.AdminUsername,
            AdminSshKeys = [new AdminSshKey { Username = host.AdminUsername, PublicKey = host.SshPublicKey }],
            DisablePasswordAuthentication = true,
            NetworkInterfaceIds = [nic.Id],
            OsDisk = new OsDisk { Caching = "ReadWrite", StorageAccountType = "StandardSSD_LRS", DiskSizeGb = 30 },
            SourceImageReference = new SourceImageReference { Publisher = "Canonical", Offer = "ubuntu-24_04-lts", Sku = "server", Version = "latest" },
            // Static cloud-config; a change replaces the VM, so everything that changes goes through the deploy steps.
            CustomData = Expr.ToBase64(Expr.ReadFile(context.Artifacts.Relay().CloudInitPath)),
            // Azure installs the OS's updates (safe deployment across regions) but never reboots the relay for them:
            // a reboot drops every call, so it is the operator's, in a quiet hour (docs/operations.md, "Patching").
            // reboot_setting is in place (not ForceNew) and needs AutomaticByPlatform (terraform-provider-azurerm
            // v4.80.0 linux_virtual_machine_resource.go lines 361-372, 667-681, 1533-1550). On the VM, needrestart
            // only lists the services an update affects instead of restarting them (Caddy: every WebSocket), and
            // unattended-upgrades never reboots (relay/deploy/cloud-init.yaml).
            PatchMode = "AutomaticByPlatform",
            PatchAssessmentMode = "AutomaticByPlatform",
            RebootSetting = "Never",
            ProvisionVmAgent = true,
            BootDiagnostics = new BootDiagnostics(),
            // The deploy (an Azure Run Command) reads the relay package blob with this identity: no keys on the VM.
            Identity = new VmIdentity { Type = "SystemAssigned" },
            Tags = tags,
        }, VmOptions(nicNsg, s.IsProduction));
        return new RelayHostRefs(resourceGroup, ip, vm);
    }

    /// <summary>
    /// What replaces the VM (ForceNew in terraform-provider-azurerm v4.80.0 linux_virtual_machine_resource.go):
    /// custom data (cloud-init, line 194), the admin user (77), the SSH key (ssh_keys.go line 25), the image
    /// (shared_schema.go line 595), the region (location, commonschema), password authentication (230) and the VM
    /// agent (316); the size and the disk size update in place (with a stop, see relay-endpoint-check.sh).
    /// The replacement is deleted before it is created: the new VM needs the NIC, which Azure refuses to attach to
    /// a second VM while the old one holds it (NicInUse, pulumi/pulumi-azure#811). The NIC, the static IP and its
    /// DNS label stay, so the ws record does not change; the run command, role assignment and monitoring agent,
    /// which name the VM, are replaced with it (new identity, install with every secret). Calls drop and the relay
    /// is down until the new VM is installed; Caddy asks Let's Encrypt for a new certificate (5 per name per week).
    /// Production protects the VM: Pulumi refuses the replacement (a warning in preview, an error in up) until an
    /// operator unprotects it for that one deploy (docs/operations.md, "Replacing the relay VM").
    /// </summary>
    public static ResourceOptions VmOptions(ResourceRef nicNsg, bool production) => new()
    {
        DependsOn = [nicNsg],
        Protect = production,
        DeleteBeforeReplace = true,
    };

    /// <summary>Port 22 only when the stack lists admin networks: deploys use Run Command, so SSH is for humans.</summary>
    internal static IReadOnlyList<SecurityRule> SecurityRules(IReadOnlyList<string> adminCidrs) =>
    [
        Inbound("allow-https", "Caddy: wss for browsers (via the Worker) and Twilio", 100, "Allow", "Tcp", "443") with { SourceAddressPrefix = "Internet" },
        Inbound("allow-http", "Caddy: ACME HTTP-01 challenges and the redirect to HTTPS", 110, "Allow", "Tcp", "80") with { SourceAddressPrefix = "Internet" },
        .. adminCidrs.Count == 0 ? [] : new[]
        {
            Inbound("allow-ssh-admin", "SSH from the admin networks only (operators; deploys need no inbound port)", 120, "Allow", "Tcp", "22")
                with { SourceAddressPrefixes = adminCidrs },
        },
        Inbound("deny-all-inbound", "Nothing else reaches the VM", 4000, "Deny", "*", "*") with { SourceAddressPrefix = "*" },
    ];

    private static SecurityRule Inbound(string name, string description, int priority, string access, string protocol, string port) => new()
    {
        Name = name,
        Description = description,
        Priority = priority,
        Direction = "Inbound",
        Access = access,
        Protocol = protocol,
        SourcePortRange = "*",
        DestinationPortRange = port,
        DestinationAddressPrefix = "*",
    };
}

/// <summary>The relay host's resources that other concerns reference: its resource group, public IP and VM.</summary>
public sealed record RelayHostRefs(ResourceRef ResourceGroup, ResourceRef PublicIp, ResourceRef Vm)
{
    public string ResourceGroupName => ResourceGroup.Output("name");
}
