namespace VoiceEdge.Infra.Model;

/// <summary>
/// A handle on a declared resource, returned by <c>StackContext.Define</c>: the only way to reference another
/// resource's outputs or depend on it, so a reference cannot name a resource the program does not declare.
/// </summary>
public sealed record ResourceRef
{
    internal ResourceRef(string name) => Name = name;

    public string Name { get; }

    /// <summary>An output of the resource, as Pulumi YAML interpolates it: <c>${name.property}</c>.</summary>
    public string Output(string property) => Expr.Output(Name, property);

    public string Id => Output("id");
}
