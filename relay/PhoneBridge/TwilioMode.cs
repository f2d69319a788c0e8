namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>What /twilio/stream does with a Media Stream (setting <c>Relay__TwilioMode</c>).</summary>
public enum TwilioMode
{
    /// <summary>Relay the stream unchanged to <c>TwilioUpstream</c>, for users who run their own media agent.</summary>
    Passthrough,

    /// <summary>Bridge it to PersonaPlex at <c>TwilioUpstream</c> (its /api/chat URL with <c>voice_prompt</c>).</summary>
    PersonaPlex,
}
