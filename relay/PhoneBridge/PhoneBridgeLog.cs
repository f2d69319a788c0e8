namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>The phone bridge's log lines (the call log). None carries a token or signature.</summary>
public static partial class PhoneBridgeLog
{
    [LoggerMessage(100, LogLevel.Information, "bridge opus: {Implementation} ({Version}); {Why}")]
    public static partial void OpusChoice(ILogger logger, OpusImplementation implementation, string version, string why);

    [LoggerMessage(101, LogLevel.Information, "bridge call started session={Session} streamSid={StreamSid} callSid={CallSid} opus={Implementation}")]
    public static partial void CallStarted(ILogger logger, string session, string streamSid, string? callSid, OpusImplementation implementation);

    [LoggerMessage(102, LogLevel.Information, "bridge handshake session={Session} afterMs={AfterMs} droppedBeforeHandshake={Dropped}")]
    public static partial void Handshake(ILogger logger, string session, long afterMs, long dropped);

    [LoggerMessage(103, LogLevel.Information, "bridge transcript session={Session} text={Text}")]
    public static partial void Transcript(ILogger logger, string session, string text);

    [LoggerMessage(105, LogLevel.Information, "bridge backend session={Session} backend={Backend} afterMs={AfterMs}")]
    public static partial void BackendConnected(ILogger logger, string session, string backend, long afterMs);

    [LoggerMessage(104, LogLevel.Information, "bridge call ended session={Session} reason={Reason} closedBy={ClosedBy} closeCode={CloseCode} detail={Detail} durationMs={DurationMs} framesUp={FramesUp} framesDown={FramesDown} droppedBeforeHandshake={DroppedBeforeHandshake} droppedJitter={DroppedJitter} trimmedSilence={TrimmedSilence} underruns={Underruns} holdFrames={HoldFrames}")]
    public static partial void CallEnded(ILogger logger, string session, string reason, string closedBy, int closeCode, string detail, long durationMs, long framesUp, long framesDown,
        long droppedBeforeHandshake, long droppedJitter, long trimmedSilence, long underruns, long holdFrames);
}
