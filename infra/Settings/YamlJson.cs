using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// A structured stack-file value as the JSON text Pulumi gives the program for it: plain scalars typed as YAML's core
/// schema reads them (whole numbers, true/false, null), quoted scalars as text. Callers bound the depth first.
/// </summary>
internal static class YamlJson
{
    public static string ToJson(YamlNode node) => (Convert(node)?.ToJsonString() ?? "null");

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlMappingNode map => MapOf(map),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonObject MapOf(YamlMappingNode map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            // A key that is not text keeps its YAML form as its name; the reader then names it as unknown.
            var name = k is YamlScalarNode { Value: { } text } ? text : k.ToString();
            o[name] = Convert(v);
        }
        return o;
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return JsonValue.Create(n);
        return JsonValue.Create(text);
    }
}
