using System.Security.Cryptography;
using System.Text;

namespace VoiceEdge.Infra.Artifacts;

/// <summary>Reads the artifacts from this repository's working tree.</summary>
public sealed class RepositoryArtifacts(string projectDir) : IArtifactSource
{
    public const string WorkerPath = "worker-src/dist/worker.js";
    public const string WranglerConfigPath = "worker-src/wrangler.jsonc";
    public const string RelayDir = "relay";
    public const string CloudInitPath = "relay/deploy/cloud-init.yaml";
    public const string PackageScript = "relay/deploy/package.sh";
    public const string RunCommandScript = "relay/deploy/run-command.sh";
    public const string InstallScript = "relay/deploy/install.sh";

    public WorkerArtifact Worker()
    {
        var full = Path.Combine(projectDir, WorkerPath);
        if (!File.Exists(full))
            throw new ArtifactMissingException($"{WorkerPath} not found: build the Worker first with `npm --prefix worker-src ci && npm --prefix worker-src run build`");
        var runtime = WranglerRuntime.Read(Path.Combine(projectDir, WranglerConfigPath), WranglerConfigPath);
        return new WorkerArtifact(WorkerPath, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full))),
            runtime.CompatibilityDate, runtime.CompatibilityFlags);
    }

    public RelayArtifact Relay()
    {
        foreach (var required in new[] { CloudInitPath, PackageScript, RunCommandScript, InstallScript })
        {
            if (!File.Exists(Path.Combine(projectDir, required)))
                throw new ArtifactMissingException($"{required} not found: the relay deploy needs it (see relay/README.md)");
        }
        return new RelayArtifact(RelayDir, CloudInitPath, PackageScript, RunCommandScript, InstallScript, HashSources(Path.Combine(projectDir, RelayDir)));
    }

    /// <summary>A stable hash of the relay's sources (not of build output, which is not byte-for-byte reproducible).</summary>
    private static string HashSources(string dir)
    {
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal) && !f.Contains("/bin/") && !f.Contains("/obj/"))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, file))));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
