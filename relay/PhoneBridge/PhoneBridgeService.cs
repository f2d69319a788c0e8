using System.Net.WebSockets;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// The entry point of the phone bridge: runs one accepted Twilio Media Streams WebSocket against PersonaPlex
/// (its /api/chat URL with the required <c>voice_prompt</c> query: one fixed <c>upstream</c>, or a slot of the pool). Logs once, at the first
/// call, which Opus implementation calls get and why.
/// </summary>
public sealed class PhoneBridgeService(PhoneBridgeMetrics metrics, ILogger<PhoneBridgeService> logger)
{
    private int _probed;

    /// <param name="gate">The relay's start gate (per-call token): the backend is opened only once it has passed the stream's start.</param>
    public Task<CallEnd> RunAsync(WebSocket twilio, Uri upstream, string session, PhoneBridgeOptions options, CancellationToken ct, Relaying.StartGate.TwilioStartGate? gate = null) =>
        RunAsync(twilio, BridgeBackendDialer.Fixed(upstream), session, options, ct, gate);

    /// <param name="dialer">Where PersonaPlex is: the relay's backend pool, or one fixed URL.</param>
    public Task<CallEnd> RunAsync(WebSocket twilio, BridgeBackendDialer dialer, string session, PhoneBridgeOptions options, CancellationToken ct, Relaying.StartGate.TwilioStartGate? gate = null)
    {
        if (Interlocked.Exchange(ref _probed, 1) == 0)
        {
            var probe = OpusCodecs.Probe();
            PhoneBridgeLog.OpusChoice(logger, probe.Implementation, probe.Version, probe.Why);
        }
        return new PhoneBridgeSession(twilio, dialer, session, options, metrics, logger, gate).RunAsync(ct);
    }
}
