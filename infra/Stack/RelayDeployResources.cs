using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using VoiceEdge.Infra.Settings;
using static VoiceEdge.Infra.Stack.StackContext;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// Publish the relay locally, copy it and its installer to the VM, install and restart it, wait for /health.
/// Every step carries the hash of the relay's sources as a trigger, so the chain re-runs only when the relay
/// (or its configuration) changes.
/// </summary>
public static class RelayDeployResources
{
    public const string PublishDir = "relay/bin/deploy";
    public const string RelayPort = "8999";

    public static IEnumerable<Resource> Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.RelayHost is not { } host || s.Edge is not { } edge) yield break;
        var relay = context.Artifacts.Relay();
        string[] triggers = [relay.SourceSha256Hex];
        var home = $"/home/{host.AdminUsername}";
        var connection = new SshConnection(
            Host: Expr.Output("relayIp", "ipAddress"),
            User: host.AdminUsername,
            PrivateKey: Expr.Config(ConfigKeys.Unqualified(ConfigKeys.SshPrivateKey)),
            DialErrorLimit: 30,
            PerDialTimeout: 20);

        // publish.sh logs to stderr; stdout carries only the output folder, which the copy step reads.
        yield return Define("relayPublish", Concern.RelayDeploy, new LocalCommand
        {
            Create = $"bash {relay.PublishScript} {PublishDir} >&2 && printf %s {PublishDir}",
            Triggers = triggers,
            Logging = "stderr",
        });
        yield return Define("relayCopy", Concern.RelayDeploy,
            new CopyToRemote(connection, Expr.FileArchive(Expr.Output("relayPublish", "stdout")), $"{home}/voice-edge-relay", triggers),
            new ResourceOptions { DependsOn = ["relayVm"] });
        yield return Define("relayInstallerCopy", Concern.RelayDeploy,
            new CopyToRemote(connection, new Fn("fileAsset", relay.InstallScript), $"{home}/voice-edge-install.sh", triggers),
            new ResourceOptions { DependsOn = ["relayVm"] });
        yield return Define("relayInstall", Concern.RelayDeploy, new RemoteCommand
        {
            Connection = connection,
            Create = Expr.Literal(
                "set -e; sudo rm -rf /opt/voice-edge/incoming/relay; sudo mkdir -p /opt/voice-edge/incoming; " +
                $"sudo mv {home}/voice-edge-relay /opt/voice-edge/incoming/relay; " +
                $"sudo bash {home}/voice-edge-install.sh {edge.RelayRecordFqdn}"),
            Stdin = RelayEnvironment(edge),
            Triggers = triggers,
            Logging = "stderr",
        }, new ResourceOptions { DependsOn = ["relayCopy", "relayInstallerCopy"] });
        yield return Define("relayHealth", Concern.RelayDeploy, new RemoteCommand
        {
            Connection = connection,
            Create = $"curl -fsS --retry 30 --retry-delay 2 --retry-all-errors --max-time 5 http://127.0.0.1:{RelayPort}/health",
            Triggers = [Expr.Output("relayInstall", "id")],
        }, new ResourceOptions { DependsOn = ["relayInstall"] });
    }

    /// <summary>The relay's environment file, fed to install.sh on stdin; secrets only as references.</summary>
    private static string RelayEnvironment(EdgeSettings edge) => string.Join('\n',
        $"Relay__Upstream={Expr.Literal(edge.VoiceUpstream)}",
        $"Relay__TwilioUpstream={Expr.Literal(edge.TwilioUpstream)}",
        $"Relay__PublicBaseUrl=wss://{edge.RelayRecordFqdn}",
        $"Relay__SigningKey={Expr.Config(ConfigKeys.Unqualified(ConfigKeys.RelaySigningKey))}",
        $"Relay__TwilioAuthToken={Expr.Config(ConfigKeys.Unqualified(ConfigKeys.TwilioAuthToken))}",
        "") ;
}
