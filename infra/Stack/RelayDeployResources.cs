using System.Security.Cryptography;
using System.Text;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Deploys the relay with no inbound port: publish and pack it here, upload the package to a private blob,
/// and let an Azure Run Command on the VM fetch it with the VM's managed identity and run install.sh.
/// The package's name carries the hash of the relay's sources, so the upload and the Run Command change (and
/// the install re-runs) only when the relay or its settings change. Secrets reach the VM only as protected
/// parameters of the Run Command; the voice backends and other list-shaped settings as RELAY_SETTING_&lt;n&gt; lines
/// (<see cref="RelayEnvironment"/>).
/// </summary>
public static class RelayDeployResources
{
    public const string PackageDir = "relay/bin/package";
    public const string ContainerName = "relay-packages";
    public const string RunCommandName = "voice-edge-relay-install";

    /// <summary>Built-in role: read blobs and nothing else (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage).</summary>
    public const string BlobReaderRole = "Storage Blob Data Reader";

    /// <summary>
    /// The package every relay of the stack installs: built once, uploaded once to the stack's storage account (in
    /// the resource group's region). Returns what each relay's <see cref="Declare"/> needs.
    /// </summary>
    public static RelayPackageRefs DeclarePackage(StackContext context, RelayHostRefs relayHost)
    {
        var s = context.Settings;
        var host = s.RelayHost!;
        var relay = context.Artifacts.Relay();
        var tags = context.Tags;
        var rg = relayHost.ResourceGroupName;

        // package.sh logs to stderr; stdout carries only the archive's path, which the blob reads.
        var publish = context.Define("relayPublish", Concern.RelayDeploy, new LocalCommand
        {
            Create = $"bash {relay.PackageScript} {PackageDir}",
            Triggers = [relay.SourceSha256Hex],
            Logging = "stderr",
        });
        var storage = context.Define("relayStorage", Concern.RelayDeploy, new StorageAccount
        {
            Name = StorageAccountName(s),
            ResourceGroupName = rg,
            Location = host.Location,
            AccountTier = "Standard",
            AccountReplicationType = "LRS",
            AccountKind = "StorageV2",
            MinTlsVersion = "TLS1_2",
            HttpsTrafficOnlyEnabled = true,
            AllowNestedItemsToBePublic = false,
            Tags = tags,
        });
        var container = context.Define("relayPackages", Concern.RelayDeploy,
            new StorageContainer { Name = ContainerName, StorageAccountId = storage.Id, ContainerAccessType = "private" });
        var package = context.Define("relayPackage", Concern.RelayDeploy, new StorageBlob
        {
            Name = PackageBlobName(relay.SourceSha256Hex),
            StorageContainerId = container.Id,
            Type = "Block",
            ContentType = "application/gzip",
            Source = new Fn("fileAsset", publish.Output("stdout")),
        }, new ResourceOptions
        {
            // The name is the content identity (the sources' hash). A rebuild of the same sources is not
            // byte-identical, and a changed source would replace a blob of the same name, which fails.
            IgnoreChanges = ["source"],
        });
        return new RelayPackageRefs(container, package);
    }

    /// <summary>One relay's read access to the package and its Run Command; returns the Run Command's handle, whose output reports what the install did.</summary>
    public static ResourceRef Declare(StackContext context, RelaySite site, RelayHostRefs relayHost, RelayPackageRefs packageRefs)
    {
        var s = context.Settings;
        var edge = s.Edge!;
        var host = site.Host;
        var relay = context.Artifacts.Relay();
        var tags = context.Tags;
        var (container, package) = packageRefs;
        var packageReader = context.Define(site.Named("relayPackageReader"), Concern.RelayDeploy, new RoleAssignment
        {
            Scope = container.Id,
            RoleDefinitionName = BlobReaderRole,
            PrincipalId = relayHost.Vm.Output("identity.principalId"),
            PrincipalType = "ServicePrincipal",
        });
        IReadOnlyList<RunCommandParameter> parameters =
            [
                new RunCommandParameter { Name = "RELAY_PACKAGE_URL", Value = package.Output("url") },
                new RunCommandParameter { Name = "RELAY_WS_HOST", Value = site.RecordFqdn },
                new RunCommandParameter { Name = "RELAY_TWILIO_UPSTREAM", Value = Expr.Literal(site.TwilioUpstream) },
                new RunCommandParameter { Name = "RELAY_TWILIO_MODE", Value = edge.TwilioMode },
                new RunCommandParameter { Name = "RELAY_PUBLIC_BASE_URL", Value = $"wss://{site.RecordFqdn}" },
                .. RelayEnvironment.Lines(edge, site, s.Relays).Select((line, i) => new RunCommandParameter { Name = RelayEnvironment.ParameterName(i), Value = Expr.Literal(line) }),
            ];
        return context.Define(site.Named("relayInstall"), Concern.RelayDeploy, new RunCommand
        {
            Name = RunCommandNameFor(relay.SourceSha256Hex, StorageAccountName(s), parameters),
            Location = host.Location,
            VirtualMachineId = relayHost.Vm.Id,
            Source = new RunCommandSource { Script = Expr.ReadFile(relay.RunCommandScript) },
            Parameters = parameters,
            ProtectedParameters =
            [
                new RunCommandParameter { Name = "RELAY_SIGNING_KEY", Value = context.Secret(ConfigKeys.RelaySigningKey) },
                .. RotationParameters(context, edge.SigningKeyRotation),
                new RunCommandParameter { Name = "RELAY_TWILIO_AUTH_TOKEN", Value = context.Secret(ConfigKeys.TwilioAuthToken) },
                .. (edge.HasTwilioWebhookSharedKey
                    ? [new RunCommandParameter { Name = "RELAY_TWILIO_WEBHOOK_SHARED_KEY", Value = context.Secret(ConfigKeys.TwilioWebhookSharedKey) }]
                    : Array.Empty<RunCommandParameter>()),
            ],
            Tags = tags,
        }, new ResourceOptions
        {
            DependsOn = [packageReader, package],
            // A changed name replaces the run command; the new one is created (and runs, with its protected
            // parameters) before the old one is deleted, so the VM keeps its install record until the new one
            // succeeds. The two never run at once: the old one is only deleted after the create returns.
        });
    }

    /// <summary>The extra key the relay accepts during a signing-key rotation, as a protected parameter.</summary>
    private static RunCommandParameter[] RotationParameters(StackContext context, SigningKeyRotation rotation) => rotation switch
    {
        SigningKeyRotation.AcceptingNext => [new RunCommandParameter { Name = "RELAY_SIGNING_KEY_NEXT", Value = context.Secret(ConfigKeys.RelaySigningKeyNext) }],
        SigningKeyRotation.AcceptingPrevious => [new RunCommandParameter { Name = "RELAY_SIGNING_KEY_PREVIOUS", Value = context.Secret(ConfigKeys.RelaySigningKeyPrevious) }],
        _ => [],
    };

    /// <summary>
    /// The run command's name carries a hash of everything it runs with except its secrets: the relay's sources
    /// (which include <c>relay/deploy/run-command.sh</c>, its script), the storage account its package URL points
    /// into, and every public parameter's name and value. <c>name</c> forces replacement
    /// (terraform-provider-azurerm v4.80.0/v4.81.0 <c>internal/services/compute/virtual_machine_run_command_resource.go</c>
    /// lines 90-95), so any such change creates a new run command, and Create sends the protected parameters (line 393).
    /// An in-place Update would not: it PUTs back the GET of the existing run command (lines 502-531) and sets
    /// <c>ProtectedParameters</c> only when they changed (lines 553-555), and the API never returns them (Read, line 421),
    /// so the script would run without <c>RELAY_SIGNING_KEY</c> and stop at its <c>:?</c> check. A secret rotation
    /// alone still updates in place, and that Update does carry the new protected parameters (they changed).
    /// </summary>
    public static string RunCommandNameFor(string sourceSha256Hex, string storageAccountName, IEnumerable<RunCommandParameter> parameters)
    {
        var identity = string.Join("\n", [sourceSha256Hex, storageAccountName, .. parameters.Select(p => $"{p.Name}={p.Value}")]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..12];
        return $"{RunCommandName}-{hash}";
    }

    public static string PackageBlobName(string sourceSha256Hex) => $"voice-edge-relay-{sourceSha256Hex}.tar.gz";

    /// <summary>
    /// Storage account names are global, 3-24 lowercase letters and digits: the stack's name plus a hash of the
    /// Cloudflare account and stack, so two users of this project do not collide.
    /// </summary>
    public static string StorageAccountName(StackSettings s)
    {
        var stack = new string([.. s.StackName.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var suffix = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{s.AccountId}/{s.StackName}")))[..8];
        var prefix = "ve" + stack;
        return prefix[..Math.Min(prefix.Length, 24 - suffix.Length)] + suffix;
    }
}

/// <summary>The stack's relay package: its container (each relay's read access is scoped to it) and its blob.</summary>
public sealed record RelayPackageRefs(ResourceRef Container, ResourceRef Package);
