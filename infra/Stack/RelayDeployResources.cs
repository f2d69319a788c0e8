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
        var install = context.Define(site.InstallName, Concern.RelayDeploy, new RunCommand
        {
            // No name: auto-named, and a new random name on every replacement (see InstallOptions).
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
        }, InstallOptions([packageReader, package]));
        RelayEndpointCheck.Declare(context, site.Named("relayEndpointCheck"), relayHost.Vm, host.VmSize, install,
            context.Declared(site.Named(RelayEndpointCheck.WsRecordName)), site.RecordFqdn);
        return install;
    }

    /// <summary>The extra key the relay accepts during a signing-key rotation, as a protected parameter.</summary>
    private static RunCommandParameter[] RotationParameters(StackContext context, SigningKeyRotation rotation) => rotation switch
    {
        SigningKeyRotation.AcceptingNext => [new RunCommandParameter { Name = "RELAY_SIGNING_KEY_NEXT", Value = context.Secret(ConfigKeys.RelaySigningKeyNext) }],
        SigningKeyRotation.AcceptingPrevious => [new RunCommandParameter { Name = "RELAY_SIGNING_KEY_PREVIOUS", Value = context.Secret(ConfigKeys.RelaySigningKeyPrevious) }],
        _ => [],
    };

    /// <summary>
    /// Every change of the run command replaces it, and so does an earlier attempt that failed; each replacement
    /// has a new name. Why, at the pinned versions:
    /// <list type="bullet">
    /// <item>An in-place Update would run the script without its secrets: terraform-provider-azurerm v4.80.0
    /// (pulumi-azure 6.39/6.40's <c>upstream</c>) <c>internal/services/compute/virtual_machine_run_command_resource.go</c>
    /// PUTs back the GET of the existing run command (lines 513-531, 573) and sets <c>ProtectedParameters</c> only when
    /// they changed (lines 553-555); the API never returns them (Read, line 421). Create sends both lists
    /// (lines 384-404), so every change goes through Create: <c>replaceOnChanges: ["*"]</c>.</item>
    /// <item>A failed install must be retried by the next <c>up</c>. Create asks Azure with
    /// <c>treatFailureAsDeploymentFailure</c> (line 401) and sets the resource id only through
    /// <c>SetIDCallback</c> (line 406), which is a no-op unless the provider feature
    /// <c>persist_id_on_create_before_polling_for_completion</c> is on (<c>internal/sdk/resource_id_callback.go</c>
    /// lines 17-27; default false, <c>internal/provider/features.go</c> lines 18-23). So a failed install returns
    /// no state: the bridge (pulumi-terraform-bridge v3.134.0 <c>pkg/tfshim/sdk-v2/provider2.go</c> lines 748-750,
    /// <c>pkg/tfbridge/provider.go</c> lines 1363-1368) reports a plain error and Pulumi records nothing, while
    /// the failed run command stays on the VM. With a fixed name the next <c>up</c> would find it and stop
    /// ("already exists ... needs to be imported", the import check at lines 372-382), and deleting it by hand
    /// and creating the same name again does not run on Linux (MicrosoftDocs/azure-compute-docs#178). With the
    /// provider's auto-name, Pulumi computes a new random name whenever it replaces (pulumi/pulumi v3.259.0
    /// <c>pkg/resource/deploy/step_generator.go</c> lines 2004-2023; pulumi-terraform-bridge
    /// <c>pkg/tfbridge/info/autonaming.go</c> lines 66-70): the next <c>up</c> still differs from the last
    /// recorded run command, replaces it, and creates a fresh one that runs with every secret. A failed update
    /// saved as partial state (initErrors) is replaced too (<c>"*"</c> covers the init-error key,
    /// step_generator.go lines 3183-3203; <c>*</c> matches any key, <c>sdk/go/common/resource/properties_path.go</c>
    /// lines 314-339), where Pulumi would otherwise send an empty update (lines 2178-2193).</item>
    /// <item>Create before delete (the default): the new run command runs while the old one is still recorded;
    /// the names differ, so they never collide.</item>
    /// </list>
    /// A failed attempt's run command is left on the VM, outside the stack (Failed), until a later deploy succeeds:
    /// <see cref="RelayEndpointCheck"/>'s script deletes the failed ones of this install's logical name, never the
    /// current one (docs/operations.md, "A failed install and the next <c>up</c>").
    /// </summary>
    public static ResourceOptions InstallOptions(IReadOnlyList<ResourceRef> dependsOn) => new()
    {
        DependsOn = dependsOn,
        ReplaceOnChanges = ["*"],
    };

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
