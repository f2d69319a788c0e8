using VoiceEdge.Relay.Relaying.StartGate;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>A gated route (Twilio streams) on the frame forwarder: the start gate runs before the upstream exists.</summary>
public sealed partial class ForwardingSession
{
    /// <summary>
    /// Runs the start gate on the accepted client; once it passes, opens the upstream and writes it the frames the gate
    /// read (connected, start), unchanged, before the forwarder starts. Otherwise: no upstream, and how the call ends (the
    /// code the client is closed with; a client that vanished before the gate decided is closed by no one).
    /// </summary>
    private async Task<(UpstreamConnection? Upstream, CallOutcome? Failure)> PassGateThenConnectAsync(TwilioStartGate gate, Stream client, RelayRoute route, HttpContext context, byte[] buffer)
    {
        var (outcome, held) = await FrameStartGate.RunAsync(client, gate);
        if (!outcome.Passed) return (null, outcome.Equals(GateOutcome.Vanished) ? CallOutcome.Vanished(CallSide.Client)
            : CallOutcome.Refused(outcome.CloseCode, $"start-{outcome.Label}", outcome.Reason));
        var (upstream, _, failure) = await ConnectAsync(route, route.UpstreamFor(context.Request.QueryString), null, context, buffer);
        if (upstream is null) return (null, failure);
        try
        {
            await upstream.Stream.WriteAsync(held);
        }
        catch (Exception e) when (LegWriter.IsTransportFailure(e))
        {
            await upstream.DisposeAsync();
            return (null, CallOutcome.Refused(1011, "upstream-lost", "voice backend connection lost"));
        }
        return (upstream, null);
    }
}
