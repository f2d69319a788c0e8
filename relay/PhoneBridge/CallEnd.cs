using System.Net.WebSockets;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Why a bridged call ended (<see cref="Outcome"/>, the relay's one vocabulary: who closed first, the code, a short
/// reason that is the <c>voice_edge_bridge_ends_total</c> label, and the sentence for the call log, also the close
/// reason where one is sent), and what each side is told.
/// </summary>
public sealed record CallEnd(CallOutcome Outcome, WebSocketCloseStatus ToTwilio, WebSocketCloseStatus ToBackend)
{
    public const WebSocketCloseStatus Normal = WebSocketCloseStatus.NormalClosure;

    public string Reason => Outcome.Reason;

    public string Detail => Outcome.Detail;

    private static CallEnd By(CallSide side, int code, string reason, string detail, WebSocketCloseStatus toTwilio, WebSocketCloseStatus toBackend) =>
        new(new CallOutcome(side, code, reason, detail), toTwilio, toBackend);

    public static CallEnd CallerHungUp(string detail) => By(CallSide.Client, 1000, "caller-ended", detail, Normal, Normal);

    public static CallEnd MalformedTwilio(string detail) =>
        By(CallSide.Relay, 1007, "twilio-malformed", $"malformed Twilio message: {detail}", WebSocketCloseStatus.InvalidPayloadData, Normal);

    public static CallEnd TwilioTooBig(string detail) =>
        By(CallSide.Relay, 1009, "twilio-too-big", $"Twilio message {detail}", WebSocketCloseStatus.MessageTooBig, Normal);

    public static CallEnd UnsupportedFormat(TwilioMediaFormat format) =>
        By(CallSide.Relay, 1003, "twilio-format", $"unsupported media format {format}; the bridge takes {TwilioMediaFormat.MuLaw8kMono}",
            WebSocketCloseStatus.InvalidMessageType, Normal);

    public static CallEnd BackendClosed(string detail) => By(CallSide.Upstream, 1000, "backend-closed", detail, Normal, Normal);

    /// <summary>The backend broke the protocol: the caller's stream still ends cleanly (1000), the log says why.</summary>
    public static CallEnd BackendGarbage(string detail) =>
        By(CallSide.Relay, 1007, "backend-invalid", $"voice backend sent invalid data: {detail}", Normal, WebSocketCloseStatus.InvalidPayloadData);

    public static CallEnd BackendLost(string detail) => By(CallSide.Upstream, CallOutcome.Abnormal, "backend-lost", detail, Normal, Normal);

    public static CallEnd BackendUnavailable(string why) =>
        By(CallSide.Relay, 1011, "backend-unavailable", $"voice backend unavailable: {why}", WebSocketCloseStatus.InternalServerError, Normal);

    /// <summary>No pool slot free within QueueSeconds (or the queue full): 1013 Try Again Later, as /api/chat.</summary>
    public static CallEnd BackendsBusy() => By(CallSide.Relay, 1013, "backends-busy", "all voice backends busy", (WebSocketCloseStatus)1013, Normal);

    /// <summary>
    /// The backend upgraded the call and then went before its 0x00 handshake (a real PersonaPlex does this on a bad
    /// query or a missing voice file), and no other backend took the call.
    /// </summary>
    public static CallEnd DroppedBeforeHandshake(string detail) =>
        By(CallSide.Upstream, CallOutcome.Abnormal, "backend-dropped-before-handshake", $"voice backend {detail}", WebSocketCloseStatus.InternalServerError, Normal);

    public static CallEnd NoHandshake(TimeSpan after) =>
        By(CallSide.Relay, 1000, "backend-no-handshake", $"voice backend sent no handshake within {after.TotalSeconds:0} s", Normal, Normal);

    /// <summary>The relay's start gate refused the stream (and closed it): no backend was opened.</summary>
    public static CallEnd StartRefused(string label, string detail, WebSocketCloseStatus toTwilio) =>
        By(CallSide.Relay, (int)toTwilio, $"start-{label}", detail, toTwilio, Normal);

    public static CallEnd Cancelled() => By(CallSide.Relay, 1012, "relay-stopping", "relay stopping", (WebSocketCloseStatus)1012, WebSocketCloseStatus.EndpointUnavailable);
}
