using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// What every resource group builds from (the stack's settings and its artifacts) and where it declares: each
/// <see cref="Define"/> returns the handle others reference it by, and each <see cref="Secret"/> records the
/// secret the program must declare in its <c>config:</c> block.
/// </summary>
public sealed class StackContext(StackSettings settings, IArtifactSource artifacts)
{
    private readonly List<Resource> _resources = [];
    private readonly HashSet<string> _secretsUsed = [];

    public StackSettings Settings { get; } = settings;
    public IArtifactSource Artifacts { get; } = artifacts;

    public IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>
    {
        ["project"] = "voice-edge",
        ["stack"] = settings.StackName,
        ["managed-by"] = "pulumi",
    };

    public ResourceRef Define(string name, Concern concern, ResourceArgs args, ResourceOptions? options = null)
    {
        if (_resources.Exists(r => r.Name == name))
            throw new InvalidOperationException($"resource `{name}` is declared twice");
        _resources.Add(new Resource(name, concern, args, options ?? new ResourceOptions()));
        return new ResourceRef(name);
    }

    /// <summary>The handle of a resource declared earlier, by its logical name.</summary>
    public ResourceRef Declared(string name) =>
        _resources.Exists(r => r.Name == name) ? new ResourceRef(name) : throw new InvalidOperationException($"resource `{name}` is not declared (yet)");

    /// <summary>A reference to a secret stack setting (<c>${key}</c>); the program declares exactly the ones used.</summary>
    public string Secret(string key)
    {
        if (!ConfigKeys.Secrets.Contains(key)) throw new ArgumentException($"{key} is not a secret setting", nameof(key));
        _secretsUsed.Add(key);
        return Expr.Config(ConfigKeys.Unqualified(key));
    }

    /// <summary>The declared resources grouped by concern (in <see cref="Concern"/> order), each group in declaration order.</summary>
    public IReadOnlyList<Resource> Resources => [.. _resources.OrderBy(r => r.Concern)];

    public IReadOnlyList<ConfigDeclaration> SecretDeclarations =>
        [.. ConfigKeys.Secrets.Where(_secretsUsed.Contains).Select(k => new ConfigDeclaration(ConfigKeys.Unqualified(k), Secret: true))];
}
