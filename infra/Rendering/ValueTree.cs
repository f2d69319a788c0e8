using System.Collections;
using System.Reflection;
using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Rendering;

/// <summary>
/// Turns typed resource inputs into plain values: ordered maps (property name in camelCase), lists and
/// scalars; <see cref="Fn"/> becomes <c>{ fn::name: argument }</c>. Null properties are left out.
/// </summary>
public static class ValueTree
{
    public static List<KeyValuePair<string, object?>> OfArgs(ResourceArgs args) => OfObject(args);

    public static object? Of(object? value) => value switch
    {
        null => null,
        string or bool or int or long or double => value,
        Fn fn => new List<KeyValuePair<string, object?>> { new($"fn::{fn.Name}", Of(fn.Argument)) },
        IReadOnlyDictionary<string, string> map => map.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)).ToList(),
        IEnumerable list => list.Cast<object?>().Select(Of).ToList(),
        _ => OfObject(value),
    };

    private static List<KeyValuePair<string, object?>> OfObject(object value)
    {
        var result = new List<KeyValuePair<string, object?>>();
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.DeclaringType == typeof(ResourceArgs) || property.Name == nameof(ResourceArgs.TypeToken)
                || property.Name == "EqualityContract" || property.GetIndexParameters().Length > 0)
                continue;
            var v = property.GetValue(value);
            if (v is null) continue;
            result.Add(new(CamelCase(property.Name), Of(v)));
        }
        return result;
    }

    public static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
