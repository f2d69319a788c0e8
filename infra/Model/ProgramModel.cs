namespace VoiceEdge.Infra.Model;

/// <summary>The concern a resource belongs to; the plan and the program are grouped by it.</summary>
public enum Concern { Zone, Edge, RelayHost, RelayDeploy, Preview, Monitoring }

/// <summary>Typed inputs of one provider resource. Subclasses are named after the provider's resource.</summary>
public abstract record ResourceArgs
{
    /// <summary>The provider's type token, as the SDK's <c>__pulumiType</c> spells it.</summary>
    public abstract string TypeToken { get; }

    /// <summary>The provider package (cloudflare, azure, command), whose pinned version the resource carries.</summary>
    public string Package => TypeToken[..TypeToken.IndexOf(':')];
}

public sealed record ResourceOptions
{
    public bool Protect { get; init; }
    public bool RetainOnDelete { get; init; }
    public IReadOnlyList<ResourceRef> DependsOn { get; init; } = [];

    /// <summary>Adopt an existing cloud resource by its provider id (Pulumi's <c>import</c> option) instead of creating one.</summary>
    public string? Import { get; init; }

    /// <summary>Input paths whose differences Pulumi ignores; each use names the provider issue that needs it.</summary>
    public IReadOnlyList<string> IgnoreChanges { get; init; } = [];

    /// <summary>Input paths whose change replaces the resource (Pulumi's <c>replaceOnChanges</c>; <c>*</c>: any change, and an earlier failed create or update too).</summary>
    public IReadOnlyList<string> ReplaceOnChanges { get; init; } = [];

    /// <summary>Delete the old resource before creating its replacement (Pulumi's <c>deleteBeforeReplace</c>).</summary>
    public bool DeleteBeforeReplace { get; init; }
}

public sealed record Resource(string Name, Concern Concern, ResourceArgs Args, ResourceOptions Options);

/// <summary>A value to be computed by Pulumi when the program runs: <c>fn::name: argument</c>.</summary>
public sealed record Fn(string Name, object Argument);

/// <summary>A config key the program declares and references; secrets stay secret end to end.</summary>
public sealed record ConfigDeclaration(string Key, bool Secret);

public sealed record StackOutput(string Name, string Value, string Description);

/// <summary>Everything one stack declares: what gets written as the Pulumi YAML program.</summary>
public sealed record PulumiProgram(
    string StackName,
    IReadOnlyList<ConfigDeclaration> Config,
    IReadOnlyList<Resource> Resources,
    IReadOnlyList<StackOutput> Outputs)
{
    public Resource this[string name] => Resources.Single(r => r.Name == name);

    public IEnumerable<T> All<T>() where T : ResourceArgs => Resources.Select(r => r.Args).OfType<T>();
}
