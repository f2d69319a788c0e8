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
        if (settings.Relays.Count == 0 || settings.Edge is null)
        {
            var preview = PreviewResources.Declare(context);
            return new PulumiProgram(settings.StackName, context.SecretDeclarations, context.Resources, Outputs(settings, preview, [], []));
        }
        // One host per relay; the first declares the stack's resource group and the others share it.
        var hosts = new List<RelayHostRefs>();
        foreach (var relay in settings.Relays)
            hosts.Add(RelayHostResources.Declare(context, relay, hosts.Count > 0 ? hosts[0].ResourceGroup : null));
        var worker = EdgeResources.Declare(context, hosts);
        var package = RelayDeployResources.DeclarePackage(context, hosts[0]);
        var installs = settings.Relays.Select((relay, i) => RelayDeployResources.Declare(context, relay, hosts[i], package)).ToList();
        MonitoringResources.Declare(context, hosts, installs);
        return new PulumiProgram(settings.StackName, context.SecretDeclarations, context.Resources, Outputs(settings, worker, hosts, installs));
    }

    private static List<StackOutput> Outputs(StackSettings s, ResourceRef? worker, List<RelayHostRefs> hosts, List<ResourceRef> installs)
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
        if (s.Edge is not { } edge || worker is null || hosts.Count == 0) return [];
        if (s.IsFleet) return FleetOutputs(s, edge, worker, hosts, installs);
        var (host, install) = (hosts[0], installs[0]);
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

    /// <summary>
    /// A fleet's outputs: the Worker's as before; the phone number's webhook on the first relay taking calls and its
    /// fallback on the second (Twilio's "Primary handler fails" URL); the Worker's RELAYS; and per relay its Twilio
    /// stream URL, health URL, Azure DNS name, IP and deploy report, each output named <c>&lt;output&gt;-&lt;relay&gt;</c>.
    /// </summary>
    private static List<StackOutput> FleetOutputs(StackSettings s, EdgeSettings edge, ResourceRef worker, List<RelayHostRefs> hosts, List<ResourceRef> installs)
    {
        var taking = RelayFleet.Taking(s);
        var outputs = new List<StackOutput>
        {
            new("browserUrl", $"wss://{edge.PublicHost}{s.RoutePrefix}/ws", "Browsers connect here (through the Worker, which picks a relay per call)"),
            new("workerHealthUrl", $"https://{edge.PublicHost}{s.RoutePrefix}/health", "The Worker's health"),
            new("twilioVoiceWebhookUrl", taking[0].TwilioVoiceWebhookUrl, $"Paste into the Twilio phone number's \"A call comes in\" webhook (HTTP POST): relay {taking[0].Name}, the first taking calls"),
        };
        if (taking.Count > 1)
            outputs.Add(new("twilioVoiceFallbackUrl", taking[1].TwilioVoiceWebhookUrl, $"Paste into the phone number's \"Primary handler fails\" URL (HTTP POST): relay {taking[1].Name}"));
        outputs.Add(new("relays", Expr.Literal(RelayFleet.WorkerRelaysJson(s)!), "The Worker's RELAYS: every relay, its region and whether it is draining"));
        for (var i = 0; i < s.Relays.Count; i++)
        {
            var (relay, host, install) = (s.Relays[i], hosts[i], installs[i]);
            var what = $"relay {relay.Name} ({relay.Host.Location}{(relay.Draining ? ", draining" : "")})";
            outputs.Add(new(relay.Named("twilioUrl"), $"wss://{relay.RecordFqdn}/twilio/stream", $"Twilio <Stream url> on {what}"));
            outputs.Add(new(relay.Named("relayHealthUrl"), relay.HealthUrl, $"The health of {what} through Caddy"));
            outputs.Add(new(relay.Named("relayFqdn"), host.PublicIp.Output("fqdn"), $"The Azure DNS name of {what} (its record's target)"));
            outputs.Add(new(relay.Named("relayIp"), host.PublicIp.Output("ipAddress"), $"The static public IP of {what}"));
            outputs.Add(new(relay.Named("relayDeployReport"), install.Output("instanceViews[0].output"), $"What the last install on {what} did"));
        }
        outputs.Add(new("workerName", worker.Output("scriptName"), "The Worker script"));
        return outputs;
    }
}
