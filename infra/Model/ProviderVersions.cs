namespace VoiceEdge.Infra.Model;

/// <summary>
/// Provider plugin versions, pinned on every resource (the first resource of a package sets the project's
/// dependency in pulumi-yaml). The conformance tests check against the npm SDK packages of these versions,
/// pinned in tests/provider-sdks/package.json: move both together.
/// </summary>
public static class ProviderVersions
{
    public const string Cloudflare = "6.22.1";
    public const string Azure = "6.40.0";
    public const string Command = "1.2.1";

    public static readonly IReadOnlyDictionary<string, string> ByPackage = new Dictionary<string, string>
    {
        ["cloudflare"] = Cloudflare,
        ["azure"] = Azure,
        ["command"] = Command,
    };
}
