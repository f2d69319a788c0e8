using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// /twilio/stream in <see cref="TwilioMode.PersonaPlex"/> mode, called once the request has passed the
/// relay's checks (draining, WebSocket, Twilio signature): takes a connection slot, accepts the WebSocket and
/// runs the bridge (after the start gate, when given one) until the call ends or the relay drains. PersonaPlex is
/// reached through <see cref="BridgeBackendDialer"/>: a slot of the backend pool, or <c>Relay:TwilioUpstream</c>.
/// </summary>
public static class PhoneBridgeEndpoint
{
    public static async Task RunAsync(HttpContext context, ConnectionLimiter limiter, string session, Relaying.StartGate.TwilioStartGate? gate = null)
    {
        using var lease = limiter.TryAcquire();
        if (lease is null)
        {
            context.Response.Headers.RetryAfter = "1";
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await context.Response.WriteAsync("too many calls on this relay\n");
            return;
        }
        var services = context.RequestServices;
        var o = services.GetRequiredService<IOptions<RelayOptions>>().Value;
        using var registration = services.GetRequiredService<DrainCoordinator>().Register();
        using var twilio = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(o.KeepAliveSeconds) });
        var options = new PhoneBridgeOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(o.UpstreamConnectTimeoutSeconds),
            KeepAlive = TimeSpan.FromSeconds(o.KeepAliveSeconds),
            MaxBackendMessageBytes = o.MaxMessageBytes,
            HoldSignal = o.PhoneBridgeHoldSignal,
        };
        await services.GetRequiredService<PhoneBridgeService>().RunAsync(twilio, services.GetRequiredService<BridgeBackendDialer>(), session, options, registration.DrainToken, gate);
    }
}
