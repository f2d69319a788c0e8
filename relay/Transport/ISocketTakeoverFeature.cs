namespace VoiceEdge.Relay.Transport;

/// <summary>
/// On a connection of the epoll transport: hands the connection's socket to the caller once Kestrel is done with it
/// (after a 101), so the caller's reads and writes go straight to the socket on the event loop instead of through
/// Kestrel's pipes.
/// </summary>
public interface ISocketTakeoverFeature
{
    /// <summary>
    /// Stops the transport's reading and writing, after everything Kestrel wrote (the 101) has been sent, and returns the
    /// connection as a stream whose first bytes are those the client sent behind its request; Kestrel still owns the
    /// connection's lifetime (abort, close). Null when the connection is already gone.
    /// </summary>
    ValueTask<Stream?> TakeOverAsync();
}
