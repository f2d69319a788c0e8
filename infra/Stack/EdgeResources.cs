using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using static VoiceEdge.Infra.Stack.StackContext;

namespace VoiceEdge.Infra.Stack;

/// <summary>The ws record (DNS-only, so media clients reach the VM directly), the Worker and its route.</summary>
public static class EdgeResources
{
    public static IEnumerable<Resource> Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Edge is not { } edge) yield break;

        yield return Define("relayDns", Concern.Edge, new DnsRecord
        {
            ZoneId = edge.ZoneId,
            Name = edge.RelayRecordFqdn,
            Type = "CNAME",
            Content = Expr.Output("relayIp", "fqdn"),
            Proxied = false,
            Ttl = 300,
            Comment = $"voice-edge {s.StackName}: DNS-only so Twilio and media clients reach the relay directly",
        });
        yield return Define("worker", Concern.Edge, WorkerScriptDeclaration.For(context, edge.RelayBaseUrl));
        yield return Define("workerRoute", Concern.Edge,
            new WorkersRoute(edge.ZoneId, edge.RoutePattern(s.RoutePrefix), Expr.Output("worker", "scriptName")));
    }
}
