using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Providers;

namespace VoiceEdge.Infra.Stack;

/// <summary>The ws record of each relay (DNS-only, so media clients reach the VM directly), the Worker and its route.</summary>
public static class EdgeResources
{
    /// <summary>Returns the Worker's handle (null for stacks without an edge).</summary>
    public static ResourceRef? Declare(StackContext context, IReadOnlyList<RelayHostRefs> relayHosts)
    {
        var s = context.Settings;
        if (s.Edge is not { } edge) return null;

        for (var i = 0; i < s.Relays.Count; i++)
        {
            var relay = s.Relays[i];
            context.Define(relay.Named("relayDns"), Concern.Edge, new DnsRecord
            {
                ZoneId = edge.ZoneId,
                Name = relay.RecordFqdn,
                Type = "CNAME",
                Content = relayHosts[i].PublicIp.Output("fqdn"),
                Proxied = false,
                Ttl = 300,
                Comment = relay.InFleet
                    ? $"voice-edge {s.StackName} relay {relay.Name}: DNS-only so Twilio and media clients reach the relay directly"
                    : $"voice-edge {s.StackName}: DNS-only so Twilio and media clients reach the relay directly",
            });
        }
        var worker = context.Define("worker", Concern.Edge, WorkerScriptDeclaration.For(context, RelayFleet.WorkerRelayUrl(s)));
        context.Define("workerRoute", Concern.Edge,
            new WorkersRoute { ZoneId = edge.ZoneId, Pattern = edge.RoutePattern(s.RoutePrefix), Script = worker.Output("scriptName") });
        return worker;
    }
}
