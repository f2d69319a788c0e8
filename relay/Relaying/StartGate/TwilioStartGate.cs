using System.Text.Json;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.StartGate;

/// <summary>
/// What the start gate decided. <see cref="Label"/> is the metric label and log word; <see cref="Reason"/> the close
/// reason the stream gets (it names what was wrong, never a token). <see cref="CloseCode"/> 1006: the stream vanished,
/// nothing can be sent.
/// </summary>
public sealed record GateOutcome(bool Passed, int CloseCode, string Label, string Reason, string? CallSid = null)
{
    public static GateOutcome Pass(string callSid) => new(Passed: true, 0, "passed", "", callSid);

    public static GateOutcome Refuse(int code, string label, string reason) => new(Passed: false, code, label, reason);

    public static readonly GateOutcome Vanished = new(Passed: false, 1006, "vanished", "stream ended before start");
    public static readonly GateOutcome ClientClosed = new(Passed: false, 1000, "closed", "stream closed before start");
    public static readonly GateOutcome TimedOut = Refuse(1008, "timeout", $"no start message within {TwilioStartGate.StartTimeout.TotalSeconds:0} s");
    public static readonly GateOutcome TooBig = Refuse(1009, "too-big", $"message before start larger than {TwilioStartGate.MaxMessageBytes} bytes");
    public static readonly GateOutcome Binary = Refuse(1008, "not-start", "binary message before start (Media Streams send JSON text)");
    public static readonly GateOutcome TooManyFrames = Refuse(1008, "not-start", "too many frames before start");
}

/// <summary>
/// /twilio/stream relays nothing until the stream's <c>start</c> message carries a per-call token
/// (<see cref="TwilioCallToken"/>, from the voice webhook's TwiML) that is valid for the start's callSid and accountSid,
/// and that account is the configured one. Twilio sends <c>connected</c> and then <c>start</c>
/// (https://www.twilio.com/docs/voice/media-streams/websocket-messages), so at most <see cref="MaxMessages"/> messages of at
/// most <see cref="MaxMessageBytes"/> each are read, within <see cref="StartTimeout"/>; anything else closes the stream
/// before a backend is opened. This class judges the messages; the readers for each mode are
/// <see cref="FrameStartGate"/> (frame forwarder) and <see cref="WebSocketStartGate"/> (WebSocket pump, phone bridge).
/// </summary>
public sealed class TwilioStartGate(TwilioCallToken tokens, string accountSid, TimeProvider clock, RelayMetrics metrics, ILogger logger, string session)
{
    public const int MaxMessages = 2;
    public const int MaxMessageBytes = 64 * 1024;
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] KnownEvents = ["connected", "start", "media", "mark", "dtmf", "stop"];

    /// <summary>Judges the stream's message number <paramref name="index"/> (0-based, text): null to read the next one.</summary>
    public GateOutcome? Judge(int index, ReadOnlySpan<byte> utf8)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return GateOutcome.Refuse(1008, "not-start", "message before start is not JSON");
        }
        using (doc)
        {
            var root = doc.RootElement;
            var kind = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            if (kind == "connected" && index == 0) return null; // Twilio's first message; the start must be the next
            if (kind != "start")
            {
                var what = kind is null ? "a message without an event" : KnownEvents.Contains(kind) ? $"{kind}" : "an unknown event";
                return GateOutcome.Refuse(1008, "not-start", $"expected the start message, got {what}");
            }
            if (!root.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Object)
                return GateOutcome.Refuse(1008, "not-start", "start message has no start object");
            var callSid = OptionalString(start, "callSid");
            var account = OptionalString(start, "accountSid");
            if (!string.Equals(account, accountSid, StringComparison.Ordinal))
                return GateOutcome.Refuse(1008, "account-mismatch", "stream start is not for this relay's Twilio account");
            var token = start.TryGetProperty("customParameters", out var custom) && custom.ValueKind == JsonValueKind.Object
                ? OptionalString(custom, TwilioCallToken.ParameterName) : null;
            return tokens.Check(token, callSid, account, clock.GetUtcNow()) switch
            {
                CallTokenStatus.Valid => GateOutcome.Pass(callSid!),
                CallTokenStatus.Missing => GateOutcome.Refuse(1008, "token-missing", "stream start carries no call token"),
                CallTokenStatus.Expired => GateOutcome.Refuse(1008, "token-expired", "call token expired"),
                CallTokenStatus.Malformed => GateOutcome.Refuse(1008, "token-invalid", "call token malformed"),
                CallTokenStatus.OtherRelay => GateOutcome.Refuse(1008, "token-other-relay", "call token names another relay"),
                _ => GateOutcome.Refuse(1008, "token-invalid", "call token not valid for this call"),
            };
        }
    }

    /// <summary>Counts and logs what the gate decided (once per stream).</summary>
    public void Report(GateOutcome outcome)
    {
        metrics.TwilioStarts.WithLabels(outcome.Label).Inc();
        if (outcome.Passed) RelayLog.TwilioStartAccepted(logger, session, outcome.CallSid!);
        else RelayLog.TwilioStartRefused(logger, session, outcome.Label, outcome.CloseCode, outcome.Reason);
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
