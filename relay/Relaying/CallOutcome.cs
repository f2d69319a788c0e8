using System.Globalization;

namespace VoiceEdge.Relay.Relaying;

/// <summary>Who ended a call first.</summary>
public enum CallSide
{
    /// <summary>The call is still open (nothing recorded yet).</summary>
    None,

    /// <summary>The caller: the browser behind the Worker, or Twilio.</summary>
    Client,

    /// <summary>The voice backend (the upstream).</summary>
    Upstream,

    /// <summary>The relay itself: a refusal, a violation it failed the connection for, idle, drain, or its own error.</summary>
    Relay,
}

/// <summary>
/// How a call ended, one vocabulary for the frame forwarder, the phone bridge, their call log lines and the metrics:
/// who closed first, the close code of that close, a short reason (a metric label) and a sentence for the log.
/// <see cref="Code"/> follows RFC 6455 section 7.1.5: 1005 when a close frame carried no code, 1006 when the
/// connection ended without any close frame (both are reported, never sent).
/// </summary>
public sealed record CallOutcome(CallSide ClosedBy, int Code, string Reason, string Detail)
{
    public const int NoStatus = 1005;
    public const int Abnormal = 1006;

    /// <summary>Before anything is recorded.</summary>
    public static readonly CallOutcome Open = new(CallSide.None, NoStatus, "open", "");

    /// <summary>The side's close frame (code null: a close without a code).</summary>
    public static CallOutcome Closed(CallSide side, int? code) =>
        new(side, code ?? NoStatus, $"{Label(side)}-closed", $"{Label(side)} sent close {code?.ToString(CultureInfo.InvariantCulture) ?? "without a code"}");

    /// <summary>The side's connection ended or failed without a close frame.</summary>
    public static CallOutcome Vanished(CallSide side) => new(side, Abnormal, $"{Label(side)}-lost", $"{Label(side)} connection lost");

    /// <summary>The side broke RFC 6455; the relay failed its connection with 1002.</summary>
    public static CallOutcome ProtocolError(CallSide offender, string what) => new(CallSide.Relay, 1002, $"{Label(offender)}-protocol-error", what);

    /// <summary>A message over the size limit; the relay closed both legs with 1009.</summary>
    public static CallOutcome TooBig(CallSide offender, long limit) =>
        new(CallSide.Relay, 1009, $"{Label(offender)}-too-big", $"{Label(offender)} message larger than {limit} bytes");

    public static CallOutcome Idle() => new(CallSide.Relay, 1001, "idle", "idle timeout");

    public static CallOutcome Draining() => new(CallSide.Relay, 1012, "relay-stopping", "relay restarting");

    /// <summary>The relay closed the client with <paramref name="code"/> before any backend took the call (1011, 1013, a start gate's code).</summary>
    public static CallOutcome Refused(int code, string reason, string detail) => new(CallSide.Relay, code, reason, detail);

    /// <summary>A programming error inside the relay (never a peer leaving): both legs closed with 1011.</summary>
    public static CallOutcome RelayError(Exception error) => new(CallSide.Relay, 1011, "relay-error", $"relay error: {error.GetType().Name}");

    /// <summary>The <c>side</c> label of <c>voice_edge_relay_closes_total</c> and <c>closedBy</c> of the call log line.</summary>
    public string SideLabel => Label(ClosedBy);

    /// <summary>The <c>code</c> label of <c>voice_edge_relay_closes_total</c>.</summary>
    public string CodeLabel => Code.ToString(CultureInfo.InvariantCulture);

    public static string Label(CallSide side) => side switch
    {
        CallSide.Client => "client",
        CallSide.Upstream => "upstream",
        CallSide.Relay => "relay",
        _ => "none",
    };
}
