namespace VoiceEdge.Relay.Hosting;

/// <summary>Whether the relay serves an inherited listening socket (<see cref="InheritedListener"/>): then SIGTERM hands over.</summary>
public sealed record ListenerOrigin(bool Inherited);
