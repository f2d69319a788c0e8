using System.Text;
using CsCheck;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>Generators of what a stack file or PULUMI_CONFIG might hold when a user (or a bug) gets it wrong.</summary>
public static class HostileInput
{
    private static readonly string[] Awkward =
    [
        "", " ", "\t", "null", "~", "true", "false", "0", "-1", "2147483648", "99999999999999999999", "1e309", "NaN",
        "[]", "{}", "[1, 2]", "{\"a\": null}", "secure:", "v1:abc", "/", "//", "ws://", "wss://[::1", "http://",
        "https://exa mple.com", "::/0", "0.0.0.0/0", "1.2.3.4/33", "256.0.0.1/8", "fe80::1%eth0/64", "a,b,,c", ",,,",
        "\u0000", "\u001b[31mred", "é", "😀", "\ud800", "Pulumi.prod.yaml", "${relaySigningKey}", "$(rm -rf /)",
        "Standard_", "ssh-rsa", "ssh-ed25519 AAAA", "-", "a" + new string('.', 300), "\"quoted\"", "'single'",
    ];

    /// <summary>Any text a config value could hold: awkward constants, noise, huge, deeply nested, control characters.</summary>
    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Gen.OneOf<string>(Awkward)),
        (4, Gen.String),
        (2, Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Int[1, 200].Select(depth => new string('[', depth) + new string(']', depth))),
        (1, Gen.Int[1_000, 300_000].Select(n => new string('a', n))),
        (1, Gen.Int[100, 50_000].Select(n => string.Concat(Enumerable.Repeat("a.", n)) + "!")),
        (1, Gen.Char[(char)0, (char)31].Array[1, 20].Select(cs => new string(cs))));

    private static readonly Gen<string> ScalarYaml = Gen.Frequency(
        (3, Text.Select(Quote)),
        (2, Gen.OneOf<string>("null", "~", "true", "1", "-0.5", ".inf", "!!binary aGk=", "&a x", "*a", "!custom x", "|\n  block", ">\n  folded", "''")),
        (1, Gen.String[Gen.Char.AlphaNumeric, 0, 10]));

    /// <summary>A YAML node of any shape, written in flow style: scalars, sequences, mappings (with odd keys), nested.</summary>
    public static Gen<string> YamlNode(int depth) => depth <= 0
        ? ScalarYaml
        : Gen.Frequency(
            (3, ScalarYaml),
            (1, YamlNode(depth - 1).Array[0, 4].Select(items => "[" + string.Join(", ", items) + "]")),
            (1, Gen.Select(YamlNode(depth - 1), YamlNode(depth - 1)).Array[0, 4]
                .Select(pairs => "{" + string.Join(", ", pairs.Select(p => $"? {p.Item1} : {p.Item2}")) + "}")));

    /// <summary>Double-quoted YAML scalar (JSON escaping is valid YAML), so any text round-trips.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (c < 0x20 || char.IsSurrogate(c) || c is '\u0085' or '\u2028' or '\u2029' or '\ufeff')
                        sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A JSON value of any shape (PULUMI_CONFIG holds strings, but a bug or a structured value may not).</summary>
    public static Gen<string> JsonValue(int depth) => depth <= 0
        ? Gen.Frequency((3, Text.Select(t => System.Text.Json.JsonSerializer.Serialize(t))), (1, Gen.OneOf<string>("null", "true", "1", "-1.5e300", "0")))
        : Gen.Frequency(
            (3, JsonValue(0)),
            (1, JsonValue(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Text, JsonValue(depth - 1)).Array[0, 4]
                .Select(pairs => "{" + string.Join(",", pairs.Select(p => System.Text.Json.JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}")));
}
