namespace VoiceEdge.Infra.Artifacts;

/// <summary>The built Worker the program uploads: a single ES module.</summary>
/// <param name="Path">Relative to the project directory, as <c>fn::readFile</c> reads it.</param>
/// <param name="Sha256Hex">Lowercase hex SHA-256 of the file (WorkersScript <c>contentSha256</c>).</param>
public sealed record WorkerArtifact(string Path, string Sha256Hex);

/// <summary>The relay sources and VM files the deploy steps use.</summary>
/// <param name="SourceSha256Hex">Hash of the relay's sources: the deploy steps re-run only when it changes.</param>
public sealed record RelayArtifact(string ProjectDir, string CloudInitPath, string PublishScript, string InstallScript, string SourceSha256Hex);

/// <summary>Where the program learns about the artifacts it deploys. The seam tests replace.</summary>
public interface IArtifactSource
{
    WorkerArtifact Worker();
    RelayArtifact Relay();
}

public sealed class ArtifactMissingException(string message) : Exception(message);
