using Prometheus;

namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>Per-backend metrics of the pool (label backend = the backend URL without its query).</summary>
public sealed class BackendMetrics
{
    public BackendMetrics(CollectorRegistry registry)
    {
        var f = Metrics.WithCustomRegistry(registry);
        Busy = f.CreateGauge("voice_edge_backend_busy", "Calls holding a slot on the backend now", "backend");
        Capacity = f.CreateGauge("voice_edge_backend_capacity", "Calls the backend takes at once", "backend");
        Up = f.CreateGauge("voice_edge_backend_up", "1 when the backend is in use, 0 while it is marked down and probed", "backend");
        Failures = f.CreateCounter("voice_edge_backend_connect_failures_total", "Connects to the backend that failed (it is then marked down)", "backend");
        CallFailures = f.CreateCounter("voice_edge_backend_failures_total",
            "Calls a backend failed, by cause (unreachable; dropped-before-handshake: upgraded, then gone before its 0x00)", "backend", "reason");
        QueueLength = f.CreateGauge("voice_edge_backend_queue_length", "Calls waiting for a free backend slot (one queue for the pool)");
        WaitSeconds = f.CreateHistogram("voice_edge_backend_wait_seconds", "Time a call waited for a slot, by the backend it got (none: it gave up)",
            new HistogramConfiguration { LabelNames = ["backend"], Buckets = Histogram.ExponentialBuckets(0.001, 4, 10) });
        HandshakeSeconds = f.CreateHistogram("voice_edge_backend_handshake_seconds",
            "Time from the backend's WebSocket upgrade to its first message when that is a 0x00 (PersonaPlex handshake)",
            new HistogramConfiguration { LabelNames = ["backend"], Buckets = Histogram.ExponentialBuckets(0.05, 2, 10) });
    }

    public Gauge Busy { get; }
    public Gauge Capacity { get; }
    public Gauge Up { get; }
    public Counter Failures { get; }
    public Counter CallFailures { get; }
    public Gauge QueueLength { get; }
    public Histogram WaitSeconds { get; }
    public Histogram HandshakeSeconds { get; }
}
