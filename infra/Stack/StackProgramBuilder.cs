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
        var resources = ZoneResources.Declare(context)
            .Concat(EdgeResources.Declare(context))
            .Concat(RelayHostResources.Declare(context))
            .Concat(RelayDeployResources.Declare(context))
            .Concat(PreviewResources.Declare(context))
            .Concat(MonitoringResources.Declare(context))
            .ToList();
        return new PulumiProgram(settings.StackName, ConfigDeclarations(resources), resources, Outputs(settings));
    }

    /// <summary>Declares exactly the secret keys the resources reference.</summary>
    private static IReadOnlyList<ConfigDeclaration> ConfigDeclarations(IReadOnlyList<Resource> resources)
    {
        var strings = resources.SelectMany(r => Strings(Rendering.ValueTree.OfArgs(r.Args))).ToList();
        return [.. ConfigKeys.Secrets
            .Select(ConfigKeys.Unqualified)
            .Where(k => strings.Exists(s => s.Contains(Expr.Config(k), StringComparison.Ordinal)))
            .Select(k => new ConfigDeclaration(k, Secret: true))];
    }

    private static IEnumerable<string> Strings(object? value) => value switch
    {
        string s => [s],
        List<KeyValuePair<string, object?>> map => map.SelectMany(kv => Strings(kv.Value)),
        List<object?> list => list.SelectMany(Strings),
        _ => [],
    };

    private static IReadOnlyList<StackOutput> Outputs(StackSettings s)
    {
        if (s.Preview is { } preview)
        {
            var host = $"{s.WorkerName}.{preview.WorkersDevSubdomain}.workers.dev";
            return
            [
                new("browserUrl", $"wss://{host}{s.RoutePrefix}/ws", "The voice WebSocket through the preview Worker"),
                new("workerHealthUrl", $"https://{host}{s.RoutePrefix}/health", "The preview Worker's health"),
                new("relayUrl", preview.RelayUrl, "The relay the preview Worker is bound to"),
                new("workerName", Expr.Output("worker", "scriptName"), "The Worker script"),
            ];
        }
        var edge = s.Edge!;
        return
        [
            new("browserUrl", $"wss://{edge.PublicHost}{s.RoutePrefix}/ws", "Browsers connect here (through the Worker)"),
            new("workerHealthUrl", $"https://{edge.PublicHost}{s.RoutePrefix}/health", "The Worker's health, including the relay's"),
            new("twilioUrl", $"wss://{edge.RelayRecordFqdn}/twilio/stream", "Twilio <Stream url> (DNS-only ws host, straight to the relay)"),
            new("relayHealthUrl", $"https://{edge.RelayRecordFqdn}/health", "The relay's health through Caddy"),
            new("relayFqdn", Expr.Output("relayIp", "fqdn"), "The relay VM's Azure DNS name (the ws record's target)"),
            new("relayIp", Expr.Output("relayIp", "ipAddress"), "The relay VM's static public IP"),
            new("relayDeployReport", Expr.Output("relayInstall", "instanceViews[0].output"), "What the last relay install did, and the voice backend's readiness"),
            new("workerName", Expr.Output("worker", "scriptName"), "The Worker script"),
        ];
    }
}
