using Prometheus;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>Prometheus metrics of bridged phone calls (<c>voice_edge_bridge_*</c>), on the relay's registry.</summary>
public sealed class PhoneBridgeMetrics
{
    public PhoneBridgeMetrics(CollectorRegistry registry)
    {
        var f = Metrics.WithCustomRegistry(registry);
        Calls = f.CreateCounter("voice_edge_bridge_calls_total", "Phone calls bridged to PersonaPlex, by Opus implementation", "opus");
        Ends = f.CreateCounter("voice_edge_bridge_ends_total", "Bridged calls ended, by reason", "reason");
        Frames = f.CreateCounter("voice_edge_bridge_frames_total", "20 ms audio frames bridged, by direction (up: caller to model)", "direction");
        Dropped = f.CreateCounter("voice_edge_bridge_dropped_frames_total", "Audio frames dropped, by reason", "reason");
        TranscriptMessages = f.CreateCounter("voice_edge_bridge_transcript_messages_total", "Text (0x02) messages from the model");
        TranscriptChars = f.CreateCounter("voice_edge_bridge_transcript_chars_total", "Characters of model text (0x02)");
        HandshakeSeconds = f.CreateHistogram("voice_edge_bridge_handshake_seconds", "Time from connecting PersonaPlex to its 0x00 handshake",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.05, 2, 10) });
    }

    public Counter Calls { get; }
    public Counter Ends { get; }
    public Counter Frames { get; }
    public Counter Dropped { get; }
    public Counter TranscriptMessages { get; }
    public Counter TranscriptChars { get; }
    public Histogram HandshakeSeconds { get; }
}
