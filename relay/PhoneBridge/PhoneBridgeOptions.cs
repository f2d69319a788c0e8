namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>Limits of one bridged call.</summary>
public sealed record PhoneBridgeOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>PersonaPlex sends 0x00 once it has processed the prompts, often seconds after the upgrade.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Twilio's messages are ~250 bytes of JSON; anything near this is not Media Streams.</summary>
    public int MaxTwilioMessageBytes { get; init; } = 64 * 1024;

    public int MaxBackendMessageBytes { get; init; } = 1024 * 1024;

    public int JitterPrimeFrames { get; init; } = JitterPacer.DefaultPrimeFrames;

    public int JitterMaxFrames { get; init; } = JitterPacer.DefaultMaxFrames;

    public bool PreferNativeOpus { get; init; } = true;

    /// <summary>
    /// Play <see cref="HoldSignal"/> (soft comfort noise) from Twilio's start until the model's first frame, instead of
    /// silence; <c>Relay:PhoneBridgeHoldSignal</c>.
    /// </summary>
    public bool HoldSignal { get; init; } = true;
}
