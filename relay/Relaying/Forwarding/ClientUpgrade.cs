using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;

namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// Accepts the client's WebSocket on Kestrel without a <see cref="System.Net.WebSockets.WebSocket"/>: the 101 response
/// of RFC 6455 section 4.2.2 (with the upstream's subprotocol and never an extension), then Kestrel's upgraded
/// connection as a plain duplex stream. The request was already checked as a valid WebSocket upgrade by the
/// WebSockets middleware (<c>IsWebSocketRequest</c>: GET, version 13, a 16-byte key).
/// </summary>
public static class ClientUpgrade
{
    /// <summary>HTTP/1.1 upgrades only; an HTTP/2 WebSocket (extended CONNECT) has no upgrade to take over and is refused.</summary>
    public static bool CanUpgrade(HttpContext context) => context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true };

    public static Task<Stream> AcceptAsync(HttpContext context, string? subProtocol)
    {
        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = UpstreamHandshake.AcceptFor(context.Request.Headers.SecWebSocketKey.ToString());
        if (subProtocol is not null) headers.SecWebSocketProtocol = subProtocol;
        return context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync();
    }

    /// <summary>
    /// After <see cref="AcceptAsync"/>, on the epoll transport over plain HTTP: the connection's socket itself, so the
    /// forwarder reads and writes it on the event loop instead of through Kestrel's pipes. Null otherwise (TLS in
    /// Kestrel, the socket transport): keep Kestrel's upgraded stream.
    /// </summary>
    public static async Task<Stream?> TakeOverAsync(HttpContext context) =>
        context.Features.Get<ITlsHandshakeFeature>() is null && context.Features.Get<Transport.ISocketTakeoverFeature>() is { } takeover
            ? await takeover.TakeOverAsync()
            : null;
}
