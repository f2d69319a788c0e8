using System.Net.WebSockets;

namespace VoiceEdge.Relay.Relaying;

/// <summary>Close codes the relay sends, and the mapping of codes that may be received but never sent.</summary>
public static class CloseCodes
{
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>1005 (no status) and 1006 (abnormal) are reserved: they describe a close, they cannot be sent.</summary>
    public static WebSocketCloseStatus Forwardable(WebSocketCloseStatus? received) => received switch
    {
        null or WebSocketCloseStatus.Empty => WebSocketCloseStatus.NormalClosure,
        (WebSocketCloseStatus)1006 => WebSocketCloseStatus.InternalServerError,
        (WebSocketCloseStatus)1015 => WebSocketCloseStatus.InternalServerError,
        { } code => code,
    };
}
