namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>Why a call could not use the backend it was given; the pool's health bookkeeping differs by cause.</summary>
public enum BackendFailure
{
    /// <summary>The connect or upgrade failed: the backend is marked down at once and probed (TCP) until it answers.</summary>
    Unreachable,

    /// <summary>
    /// Upgraded, then gone before its 0x00 handshake: what a real PersonaPlex does when the handler raises after the
    /// upgrade (bad query, missing voice file). A TCP probe would find it up, so it is marked down only after
    /// <c>HandshakeDropLimit</c> in a row, for <c>HandshakeDropDownSeconds</c>.
    /// </summary>
    DroppedBeforeHandshake,
}

public static class BackendFailures
{
    /// <summary>The metric label and log word of a cause.</summary>
    public static string Label(this BackendFailure failure) => failure switch
    {
        BackendFailure.Unreachable => "unreachable",
        BackendFailure.DroppedBeforeHandshake => "dropped-before-handshake",
        _ => throw new ArgumentOutOfRangeException(nameof(failure)),
    };
}
