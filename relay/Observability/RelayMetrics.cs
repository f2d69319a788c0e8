using Prometheus;

namespace VoiceEdge.Relay.Observability;

/// <summary>The relay's Prometheus metrics (GET /metrics). Labels: route = chat | twilio.</summary>
public sealed class RelayMetrics
{
    private readonly CollectorRegistry _registry;

    public RelayMetrics(CollectorRegistry registry)
    {
        _registry = registry;
        var f = Metrics.WithCustomRegistry(registry);
        ConnectionsOpen = f.CreateGauge("voice_edge_relay_connections_open", "Relayed WebSocket calls open now", "route");
        ConnectionsTotal = f.CreateCounter("voice_edge_relay_connections_total", "Relayed WebSocket calls accepted", "route");
        Rejected = f.CreateCounter("voice_edge_relay_rejected_total", "Requests refused before the upgrade, by reason", "route", "reason");
        Bytes = f.CreateCounter("voice_edge_relay_bytes_total", "Payload bytes relayed, by direction", "route", "direction");
        Frames = f.CreateCounter("voice_edge_relay_frames_total", "WebSocket frames relayed, by direction", "route", "direction");
        UpstreamConnectSeconds = f.CreateHistogram("voice_edge_relay_upstream_connect_seconds", "Time to open the upstream WebSocket",
            new HistogramConfiguration { LabelNames = ["route"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        Closes = f.CreateCounter("voice_edge_relay_closes_total", "Calls closed, by the side that closed first and the close code", "route", "side", "code");
        TwilioWebhooks = f.CreateCounter("voice_edge_relay_twilio_webhooks_total", "Twilio webhook requests (voice, status), by outcome", "hook", "outcome");
        TwilioStarts = f.CreateCounter("voice_edge_relay_twilio_stream_starts_total", "Twilio streams judged by the start gate (per-call token), by outcome", "outcome");
    }

    public CollectorRegistry Registry => _registry;
    public Gauge ConnectionsOpen { get; }
    public Counter ConnectionsTotal { get; }
    public Counter Rejected { get; }
    public Counter Bytes { get; }
    public Counter Frames { get; }
    public Histogram UpstreamConnectSeconds { get; }
    public Counter Closes { get; }
    public Counter TwilioWebhooks { get; }
    public Counter TwilioStarts { get; }
}
