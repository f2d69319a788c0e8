using VoiceEdge.Infra.Artifacts;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// Artifacts with placeholder hashes, for reading which resources and types a stack declares (the permissions its
/// deploy needs) without a built Worker or relay: never for a program that is written out.
/// </summary>
public sealed class TypesOnlyArtifacts : IArtifactSource
{
    private static readonly string Zero = new('0', 64);

    public WorkerArtifact Worker() => new(RepositoryArtifacts.WorkerPath, Zero, "2025-01-01", []);

    public RelayArtifact Relay() => new(RepositoryArtifacts.RelayDir, RepositoryArtifacts.CloudInitPath, RepositoryArtifacts.PackageScript,
        RepositoryArtifacts.RunCommandScript, RepositoryArtifacts.InstallScript, Zero);
}
