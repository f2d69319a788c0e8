using VoiceEdge.Infra.Artifacts;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>Artifacts with fixed hashes, so graphs and goldens don't change whenever the Worker or relay does.</summary>
public sealed class FixedArtifacts : IArtifactSource
{
    public const string WorkerSha = "0000000000000000000000000000000000000000000000000000000000000001";
    public const string RelaySha = "0000000000000000000000000000000000000000000000000000000000000002";

    public WorkerArtifact Worker() => new(RepositoryArtifacts.WorkerPath, WorkerSha);

    public RelayArtifact Relay() => new(RepositoryArtifacts.RelayDir, RepositoryArtifacts.CloudInitPath,
        RepositoryArtifacts.PackageScript, RepositoryArtifacts.RunCommandScript, RepositoryArtifacts.InstallScript, RelaySha);
}
