using System.Net.WebSockets;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Why a bridged call ended, and what each side is told. <see cref="Reason"/> is a short metric label,
/// <see cref="Detail"/> the sentence for the call log (and the close reason where one is sent).
/// </summary>
public sealed record CallEnd(string Reason, string Detail, WebSocketCloseStatus ToTwilio, WebSocketCloseStatus ToBackend)
{
    public const WebSocketCloseStatus Normal = WebSocketCloseStatus.NormalClosure;

    public static CallEnd CallerHungUp(string detail) => new("caller-ended", detail, Normal, Normal);

    public static CallEnd MalformedTwilio(string detail) =>
        new("twilio-malformed", $"malformed Twilio message: {detail}", WebSocketCloseStatus.InvalidPayloadData, Normal);

    public static CallEnd UnsupportedFormat(TwilioMediaFormat format) =>
        new("twilio-format", $"unsupported media format {format}; the bridge takes {TwilioMediaFormat.MuLaw8kMono}",
            WebSocketCloseStatus.InvalidMessageType, Normal);

    public static CallEnd BackendClosed(string detail) => new("backend-closed", detail, Normal, Normal);

    /// <summary>The backend broke the protocol: the caller's stream still ends cleanly (1000), the log says why.</summary>
    public static CallEnd BackendGarbage(string detail) =>
        new("backend-invalid", $"voice backend sent invalid data: {detail}", Normal, WebSocketCloseStatus.InvalidPayloadData);

    public static CallEnd BackendLost(string detail) => new("backend-lost", detail, Normal, Normal);

    public static CallEnd BackendUnavailable(string why) =>
        new("backend-unavailable", $"voice backend unavailable: {why}", WebSocketCloseStatus.InternalServerError, Normal);

    /// <summary>No pool slot free within QueueSeconds (or the queue full): 1013 Try Again Later, as /api/chat.</summary>
    public static CallEnd BackendsBusy() => new("backends-busy", "all voice backends busy", (WebSocketCloseStatus)1013, Normal);

    /// <summary>
    /// The backend upgraded the call and then went before its 0x00 handshake (a real PersonaPlex does this on a bad
    /// query or a missing voice file), and no other backend took the call.
    /// </summary>
    public static CallEnd DroppedBeforeHandshake(string detail) =>
        new("backend-dropped-before-handshake", $"voice backend {detail}", WebSocketCloseStatus.InternalServerError, Normal);

    public static CallEnd NoHandshake(TimeSpan after) =>
        new("backend-no-handshake", $"voice backend sent no handshake within {after.TotalSeconds:0} s", Normal, Normal);

    /// <summary>The relay's start gate refused the stream (and closed it): no backend was opened.</summary>
    public static CallEnd StartRefused(string label, string detail, WebSocketCloseStatus toTwilio) => new($"start-{label}", detail, toTwilio, Normal);

    public static CallEnd Cancelled() => new("relay-stopping", "relay stopping", (WebSocketCloseStatus)1012, WebSocketCloseStatus.EndpointUnavailable);
}
