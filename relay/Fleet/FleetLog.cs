namespace VoiceEdge.Relay.Fleet;

/// <summary>The fleet's log lines (EventIds 240-259). None carries a token or URL.</summary>
public static partial class FleetLog
{
    [LoggerMessage(240, LogLevel.Information, "twilio call placed callSid={CallSid} relay={Relay} continuation={Continuation} twilioRegion={Region} attempt={Attempt} avoided={Avoided}")]
    public static partial void CallPlaced(ILogger logger, string callSid, string relay, string continuation, string region, int attempt, string avoided);
}
