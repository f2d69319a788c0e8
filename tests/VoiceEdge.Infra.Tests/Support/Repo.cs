namespace VoiceEdge.Infra.Tests.Support;

/// <summary>Paths in this repository, found from the test's output folder.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string GoldensDir => Path("tests", "VoiceEdge.Infra.Tests", "Goldens");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Pulumi.yaml")) && Directory.Exists(System.IO.Path.Combine(dir.FullName, "infra")))
                return dir.FullName;
        }
        throw new InvalidOperationException("repository root (Pulumi.yaml) not found above " + AppContext.BaseDirectory);
    }
}
