using System.Globalization;
using System.Text.RegularExpressions;
using VoiceEdge.Infra.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace VoiceEdge.Infra.Rendering;

/// <summary>
/// Writes a <see cref="PulumiProgram"/> as a Pulumi YAML program, block style throughout. Strings that YAML
/// could read as anything else (on, 1.2, dates, interpolations) are double-quoted; multi-line text is a
/// literal block.
/// </summary>
public static partial class YamlProgramWriter
{
    public static string Write(PulumiProgram program)
    {
        var root = new List<KeyValuePair<string, object?>>();
        if (program.Config.Count > 0)
        {
            root.Add(new("config", program.Config.Select(c => new KeyValuePair<string, object?>(c.Key,
                new List<KeyValuePair<string, object?>> { new("type", "string"), new("secret", c.Secret) })).ToList()));
        }
        root.Add(new("resources", program.Resources.Select(r => new KeyValuePair<string, object?>(r.Name, Resource(r))).ToList()));
        if (program.Outputs.Count > 0)
            root.Add(new("outputs", program.Outputs.Select(o => new KeyValuePair<string, object?>(o.Name, o.Value)).ToList()));
        return Emit(root);
    }

    /// <summary>Without a stack, Pulumi asks only which plugins the program can use: one provider each, pinned.</summary>
    public static string WritePluginManifest() => Emit(new List<KeyValuePair<string, object?>>
    {
        new("resources", ProviderVersions.ByPackage.Select(p => new KeyValuePair<string, object?>($"{p.Key}Provider",
            new List<KeyValuePair<string, object?>>
            {
                new("type", $"pulumi:providers:{p.Key}"),
                new("options", new List<KeyValuePair<string, object?>> { new("version", p.Value) }),
            })).ToList()),
    });

    private static List<KeyValuePair<string, object?>> Resource(Resource r)
    {
        var node = new List<KeyValuePair<string, object?>>
        {
            new("type", r.Args.TypeToken),
            new("properties", ValueTree.OfArgs(r.Args)),
        };
        var options = new List<KeyValuePair<string, object?>> { new("version", ProviderVersions.ByPackage[r.Args.Package]) };
        if (r.Options.Protect) options.Add(new("protect", true));
        if (r.Options.RetainOnDelete) options.Add(new("retainOnDelete", true));
        if (r.Options.DependsOn.Count > 0)
            options.Add(new("dependsOn", r.Options.DependsOn.Select(d => (object?)Expr.Resource(d.Name)).ToList()));
        if (r.Options.Import is { } importId) options.Add(new("import", importId));
        if (r.Options.IgnoreChanges.Count > 0)
            options.Add(new("ignoreChanges", r.Options.IgnoreChanges.Select(p => (object?)p).ToList()));
        if (r.Options.ReplaceOnChanges.Count > 0)
            options.Add(new("replaceOnChanges", r.Options.ReplaceOnChanges.Select(p => (object?)p).ToList()));
        if (r.Options.DeleteBeforeReplace) options.Add(new("deleteBeforeReplace", true));
        node.Add(new("options", options));
        return node;
    }

    private static string Emit(object root)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(writer, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024, skipAnchorName: true));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        EmitValue(emitter, root);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void EmitValue(IEmitter emitter, object? value)
    {
        switch (value)
        {
            case List<KeyValuePair<string, object?>> map:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (key, v) in map)
                {
                    EmitScalar(emitter, key);
                    EmitValue(emitter, v);
                }
                emitter.Emit(new MappingEnd());
                break;
            case List<object?> list:
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in list) EmitValue(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case bool b:
                emitter.Emit(new Scalar(null, null, b ? "true" : "false", ScalarStyle.Plain, true, false));
                break;
            case int or long:
                emitter.Emit(new Scalar(null, null, Convert.ToString(value, CultureInfo.InvariantCulture)!, ScalarStyle.Plain, true, false));
                break;
            case double d:
                emitter.Emit(new Scalar(null, null, d.ToString("R", CultureInfo.InvariantCulture), ScalarStyle.Plain, true, false));
                break;
            case string s:
                EmitScalar(emitter, s);
                break;
            default:
                throw new InvalidOperationException($"cannot write {value?.GetType().Name ?? "null"} as YAML");
        }
    }

    private static void EmitScalar(IEmitter emitter, string s)
    {
        var style = s.Contains('\n') ? ScalarStyle.Literal : IsPlainSafe(s) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted;
        emitter.Emit(new Scalar(null, null, s, style, true, true));
    }

    /// <summary>Plain only when no YAML reader (1.1 or 1.2) could take it for a bool, number, null or syntax.</summary>
    internal static bool IsPlainSafe(string s) =>
        PlainPattern().IsMatch(s) && !s.EndsWith(':') && !ReservedWords.Contains(s.ToLowerInvariant());

    private static readonly HashSet<string> ReservedWords = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./:-]*$")]
    private static partial Regex PlainPattern();
}
