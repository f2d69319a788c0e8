namespace VoiceEdge.Infra.Artifacts;

/// <summary>The built Worker the program uploads: a single ES module, and the runtime it was built for.</summary>
/// <param name="Path">Relative to the project directory, as <c>fn::readFile</c> reads it.</param>
/// <param name="Sha256Hex">Lowercase hex SHA-256 of the file (WorkersScript <c>contentSha256</c>).</param>
/// <param name="CompatibilityDate">From worker-src/wrangler.jsonc, so workerd in the tests and Cloudflare run the same runtime.</param>
/// <param name="CompatibilityFlags">From worker-src/wrangler.jsonc, likewise.</param>
public sealed record WorkerArtifact(string Path, string Sha256Hex, string CompatibilityDate, IReadOnlyList<string> CompatibilityFlags);

/// <summary>The relay sources and VM files the deploy steps use.</summary>
/// <param name="PackageScript">Publishes the relay and packs it, with its deploy files, into one archive (prints its path).</param>
/// <param name="RunCommandScript">The Run Command's script: fetches the package with the VM's identity and runs install.sh.</param>
/// <param name="SourceSha256Hex">Hash of the relay's sources, deploy files included: the package's name carries it, so the deploy re-runs only when it changes.</param>
public sealed record RelayArtifact(string ProjectDir, string CloudInitPath, string PackageScript, string RunCommandScript, string InstallScript, string SourceSha256Hex);

/// <summary>Where the program learns about the artifacts it deploys. The seam tests replace.</summary>
public interface IArtifactSource
{
    WorkerArtifact Worker();
    RelayArtifact Relay();
}

public sealed class ArtifactMissingException(string message) : Exception(message);
