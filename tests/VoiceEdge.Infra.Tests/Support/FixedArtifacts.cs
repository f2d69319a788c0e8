using VoiceEdge.Infra.Artifacts;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>Artifacts with fixed hashes, so graphs and goldens don't change whenever the Worker or relay does.</summary>
public sealed class FixedArtifacts : IArtifactSource
{
    public const string WorkerSha = "0000000000000000000000000000000000000000000000000000000000000001";
    public const string RelaySha = "0000000000000000000000000000000000000000000000000000000000000002";

    /// <summary>The relay sources' hash this instance reports: another value stands for a new relay package.</summary>
    public string RelaySourceSha { get; init; } = RelaySha;

    /// <summary>The Worker bundle's hash this instance reports: another value stands for a new Worker build.</summary>
    public string WorkerSourceSha { get; init; } = WorkerSha;

    /// <summary>The hash is fixed; the runtime settings are the repository's own (worker-src/wrangler.jsonc).</summary>

    public WorkerArtifact Worker()
    {
        var runtime = WranglerRuntime.Read(Repo.Path(RepositoryArtifacts.WranglerConfigPath), RepositoryArtifacts.WranglerConfigPath);
        return new(RepositoryArtifacts.WorkerPath, WorkerSourceSha, runtime.CompatibilityDate, runtime.CompatibilityFlags);
    }

    public RelayArtifact Relay() => new(RepositoryArtifacts.RelayDir, RepositoryArtifacts.CloudInitPath,
        RepositoryArtifacts.PackageScript, RepositoryArtifacts.RunCommandScript, RepositoryArtifacts.InstallScript, RelaySourceSha);
}
