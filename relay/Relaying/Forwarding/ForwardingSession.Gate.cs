using VoiceEdge.Relay.Relaying.StartGate;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>A gated route (Twilio streams) on the frame forwarder: the start gate runs before the upstream exists.</summary>
public sealed partial class ForwardingSession
{
    /// <summary>The client's stream ended before the gate decided: nothing to close, the call just ends.</summary>
    private const int GateVanished = 1006;

    /// <summary>
    /// Runs the start gate on the accepted client; once it passes, opens the upstream and writes it the frames the gate
    /// read (connected, start), unchanged, before the forwarder starts. Otherwise: no upstream, and the code and reason
    /// the client is to be closed with.
    /// </summary>
    private async Task<(UpstreamConnection? Upstream, int Code, string? Reason)> PassGateThenConnectAsync(TwilioStartGate gate, Stream client, RelayRoute route, HttpContext context, byte[] buffer)
    {
        var (outcome, held) = await FrameStartGate.RunAsync(client, gate);
        if (!outcome.Passed) return (null, outcome.CloseCode, outcome.Reason);
        var (upstream, _, code, reason) = await ConnectAsync(route, route.UpstreamFor(context.Request.QueryString), null, context, buffer);
        if (upstream is null) return (null, code, reason);
        try
        {
            await upstream.Stream.WriteAsync(held);
        }
        catch (Exception e) when (LegWriter.IsTransportFailure(e))
        {
            await upstream.DisposeAsync();
            return (null, 1011, "voice backend connection lost");
        }
        return (upstream, 0, null);
    }
}
