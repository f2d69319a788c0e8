using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>The pure function at the heart of voice-edge: (stack settings, artifacts) -> the program.</summary>
public static class StackProgramBuilder
{
    public static PulumiProgram Build(StackSettings settings, IArtifactSource artifacts)
    {
        var context = new StackContext(settings, artifacts);
        ZoneResources.Declare(context);
        var host = RelayHostResources.Declare(context);
        var worker = host is null ? PreviewResources.Declare(context) : EdgeResources.Declare(context, host);
        var install = host is null ? null : RelayDeployResources.Declare(context, host);
        if (host is not null) MonitoringResources.Declare(context, host, install);
        return new PulumiProgram(settings.StackName, context.SecretDeclarations, context.Resources, Outputs(settings, worker, host, install));
    }

    private static IReadOnlyList<StackOutput> Outputs(StackSettings s, ResourceRef? worker, RelayHostRefs? host, ResourceRef? install)
    {
        if (s.Preview is { } preview && worker is not null)
        {
            var workersDevHost = $"{s.WorkerName}.{preview.WorkersDevSubdomain}.workers.dev";
            return
            [
                new("browserUrl", $"wss://{workersDevHost}{s.RoutePrefix}/ws", "The voice WebSocket through the preview Worker"),
                new("workerHealthUrl", $"https://{workersDevHost}{s.RoutePrefix}/health", "The preview Worker's health"),
                new("relayUrl", preview.RelayUrl, "The relay the preview Worker is bound to"),
                new("workerName", worker.Output("scriptName"), "The Worker script"),
            ];
        }
        if (s.Edge is not { } edge || worker is null || host is null || install is null) return [];
        return
        [
            new("browserUrl", $"wss://{edge.PublicHost}{s.RoutePrefix}/ws", "Browsers connect here (through the Worker)"),
            new("workerHealthUrl", $"https://{edge.PublicHost}{s.RoutePrefix}/health", "The Worker's health, including the relay's"),
            new("twilioUrl", $"wss://{edge.RelayRecordFqdn}/twilio/stream", "Twilio <Stream url> (DNS-only ws host, straight to the relay)"),
            new("twilioVoiceWebhookUrl", edge.TwilioVoiceWebhookUrl, "Paste into the Twilio phone number's \"A call comes in\" webhook (HTTP POST)"),
            new("relayHealthUrl", $"https://{edge.RelayRecordFqdn}/health", "The relay's health through Caddy"),
            new("relayFqdn", host.PublicIp.Output("fqdn"), "The relay VM's Azure DNS name (the ws record's target)"),
            new("relayIp", host.PublicIp.Output("ipAddress"), "The relay VM's static public IP"),
            new("relayDeployReport", install.Output("instanceViews[0].output"), "What the last relay install did, and the voice backend's readiness"),
            new("workerName", worker.Output("scriptName"), "The Worker script"),
        ];
    }
}
