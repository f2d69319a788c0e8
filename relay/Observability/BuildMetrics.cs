using Prometheus;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Observability;

/// <summary>Which build serves, and whether it is handing over: <c>voice_edge_relay_build_info{build} 1</c>,
/// <c>voice_edge_relay_handing_over</c> (0 or 1), <c>voice_edge_relay_calls_held</c> (open calls of this process).</summary>
public static class BuildMetrics
{
    public static void Register(CollectorRegistry registry, string build, DrainCoordinator drain)
    {
        var f = Metrics.WithCustomRegistry(registry);
        f.CreateGauge("voice_edge_relay_build_info", "The relay build this process runs (Relay:Build)", "build").WithLabels(build).Set(1);
        var handingOver = f.CreateGauge("voice_edge_relay_handing_over", "1 while this relay hands over: not accepting, its open calls continuing");
        var held = f.CreateGauge("voice_edge_relay_calls_held", "Calls this process holds now, browser and phone");
        registry.AddBeforeCollectCallback(() =>
        {
            handingOver.Set(drain.IsHandingOver ? 1 : 0);
            held.Set(drain.OpenCalls);
        });
    }
}
