namespace VoiceEdge.Relay.Relaying.Forwarding;

/// <summary>
/// Told once, by a <see cref="FrameForwarder"/>, what its source's first data frame was: its opcode and its first
/// payload byte (null when the frame is empty). Whoever knows the protocol on top interprets it.
/// </summary>
public interface IFirstDataWatch
{
    void FirstData(byte opcode, byte? firstPayloadByte);
}
