namespace VoiceEdge.Infra.Model;

/// <summary>Pulumi YAML expressions: references to outputs and config, and literal text.</summary>
public static class Expr
{
    /// <summary>Only through <see cref="ResourceRef.Output"/>: a reference needs a declared resource.</summary>
    internal static string Output(string resource, string property) => $"${{{resource}.{property}}}";

    /// <summary>A reference to the resource itself, as <c>dependsOn</c> takes it.</summary>
    internal static string Resource(string resource) => $"${{{resource}}}";

    /// <summary>A reference to a project config value declared in the program's <c>config:</c> block.</summary>
    public static string Config(string shortKey) => $"${{{shortKey}}}";

    /// <summary>
    /// Literal text for a place Pulumi YAML interpolates: every <c>$</c> doubled so shell variables and
    /// template literals survive as written.
    /// </summary>
    public static string Literal(string text) => text.Replace("$", "$$", StringComparison.Ordinal);

    public static Fn ReadFile(string path) => new("readFile", path);
    public static Fn ToBase64(object value) => new("toBase64", value);
    public static Fn FileArchive(string path) => new("fileArchive", path);
}
