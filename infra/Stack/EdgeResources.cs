using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;

namespace VoiceEdge.Infra.Stack;

/// <summary>The ws record (DNS-only, so media clients reach the VM directly), the Worker and its route.</summary>
public static class EdgeResources
{
    /// <summary>Returns the Worker's handle (null for stacks without an edge).</summary>
    public static ResourceRef? Declare(StackContext context, RelayHostRefs relayHost)
    {
        var s = context.Settings;
        if (s.Edge is not { } edge) return null;

        context.Define("relayDns", Concern.Edge, new DnsRecord
        {
            ZoneId = edge.ZoneId,
            Name = edge.RelayRecordFqdn,
            Type = "CNAME",
            Content = relayHost.PublicIp.Output("fqdn"),
            Proxied = false,
            Ttl = 300,
            Comment = $"voice-edge {s.StackName}: DNS-only so Twilio and media clients reach the relay directly",
        });
        var worker = context.Define("worker", Concern.Edge, WorkerScriptDeclaration.For(context, edge.RelayBaseUrl));
        context.Define("workerRoute", Concern.Edge,
            new WorkersRoute { ZoneId = edge.ZoneId, Pattern = edge.RoutePattern(s.RoutePrefix), Script = worker.Output("scriptName") });
        return worker;
    }
}
