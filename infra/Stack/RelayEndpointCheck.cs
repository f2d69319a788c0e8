using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// The deploy's last step: a local Command that waits until the relay answers on its public ws name with a valid
/// certificate (and starts the VM if a failed resize left it stopped), so <c>pulumi up</c> reports success only
/// when browsers and Twilio can reach it (<c>infra/deploy/relay-endpoint-check.sh</c>). Then it deletes the VM's
/// failed install attempts other than <c>VOICE_EDGE_RELAY_INSTALL</c> (a warning, never a failure, when it cannot).
/// It runs again whenever the install, the VM (its id or size) or the ws record changes: a changed
/// <c>environment</c> is an update, which runs the create command again (pulumi-command v1.2.1
/// <c>provider/pkg/provider/local/commandController.go</c> lines 67-89), and a changed trigger replaces it
/// (<c>provider/pkg/provider/common/inputs.go</c> line 10). A failed check leaves either no state (Create) or
/// partial state that Pulumi updates again on the next <c>up</c> (pulumi/pulumi v3.259.0
/// <c>pkg/resource/deploy/step_generator.go</c> lines 2178-2193): the next <c>up</c> checks again.
/// </summary>
public static class RelayEndpointCheck
{
    public const string Script = "infra/deploy/relay-endpoint-check.sh";

    /// <summary>The DNS record of the ws host, declared by <see cref="EdgeResources"/>.</summary>
    public const string WsRecordName = "relayDns";

    /// <summary>
    /// Declares the check of one relay: <paramref name="name"/> is its logical name, <paramref name="vm"/> the VM
    /// (started if a failed resize left it off; its size <paramref name="vmSize"/> is the trigger), <paramref name="install"/>
    /// its Run Command and <paramref name="wsRecord"/> the DNS record of <paramref name="wsHost"/>, both waited for.
    /// </summary>
    public static ResourceRef Declare(StackContext context, string name, ResourceRef vm, string vmSize, ResourceRef install, ResourceRef wsRecord, string wsHost) =>
        context.Define(name, Concern.RelayDeploy, new LocalCommand
        {
            Create = $"bash {Script}",
            // The size is not in the environment: after a resize that failed (and left the VM off) the VM shows no
            // diff on the next up, but this step, skipped then, still holds the old size and so runs.
            Triggers = [vmSize],
            Environment = new Dictionary<string, string>
            {
                ["VOICE_EDGE_WS_HOST"] = wsHost,
                ["VOICE_EDGE_VM_ID"] = vm.Id,
                ["VOICE_EDGE_RELAY_INSTALL"] = install.Output("name"),
                // install.sh's report names the release it installed; the public endpoint must serve that build.
                ["VOICE_EDGE_RELAY_REPORT"] = install.Output("instanceViews[0].output"),
                ["VOICE_EDGE_WS_RECORD"] = wsRecord.Id,
            },
        }, new ResourceOptions { DependsOn = [install, wsRecord] });
}
