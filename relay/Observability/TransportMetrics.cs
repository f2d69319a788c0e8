using Prometheus;
using VoiceEdge.Relay.Transport;

namespace VoiceEdge.Relay.Observability;

/// <summary>The epoll transport's own figures on /metrics: sockets watched, and writes that waited on a slow reader.</summary>
public static class TransportMetrics
{
    public static void Register(CollectorRegistry registry, EpollLoops loops)
    {
        var f = Metrics.WithCustomRegistry(registry);
        var sockets = f.CreateGauge("voice_edge_epoll_sockets", "Sockets the epoll transport's event loops watch now");
        var writeWaits = f.CreateCounter("voice_edge_epoll_write_waits_total",
            "Writes that waited for room in a socket's send buffer (back-pressure from a slow reader)");
        registry.AddBeforeCollectCallback(() =>
        {
            sockets.Set(loops.Sockets);
            writeWaits.IncTo(loops.WriteWaits);
        });
    }
}
