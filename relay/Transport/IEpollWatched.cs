namespace VoiceEdge.Relay.Transport;

/// <summary>A descriptor an <see cref="EpollLoop"/> watches: a connection (<see cref="EpollSocket"/>) or a listener (<see cref="EpollListener"/>).</summary>
internal interface IEpollWatched
{
    int Fd { get; }

    /// <summary>On the loop's thread: the descriptor's edge-triggered events.</summary>
    void OnEvents(uint events);
}
