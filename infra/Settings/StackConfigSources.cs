using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace VoiceEdge.Infra.Settings;

/// <summary>Reads stack config: offline from Pulumi.&lt;stack&gt;.yaml, or from Pulumi's PULUMI_CONFIG.</summary>
public static class StackConfigSources
{
    public static string StackFileName(string stack) => $"Pulumi.{stack}.yaml";

    /// <summary>Reads a stack file. Encrypted values are kept as <c>secure</c> without their ciphertext.</summary>
    public static StackConfig FromStackFile(string projectDir, string stack)
    {
        var fileName = StackFileName(stack);
        var path = Path.Combine(projectDir, fileName);
        if (!File.Exists(path))
            throw new ConfigFileException($"{fileName}: not found in {projectDir}; create it with `pulumi stack init {stack}` and `pulumi config set`");
        return FromYaml(stack, fileName, File.ReadAllText(path));
    }

    public static StackConfig FromYaml(string stack, string sourceName, string yamlText)
    {
        var stream = LoadYaml(sourceName, yamlText);
        var values = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return new StackConfig(stack, sourceName, values);
        if (!root.Children.TryGetValue(new YamlScalarNode("config"), out var configNode))
            return new StackConfig(stack, sourceName, values);
        if (configNode is not YamlMappingNode config)
            throw new ConfigFileException($"{sourceName}: `config` must be a mapping of keys to values");

        foreach (var (keyNode, valueNode) in config.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
                throw new ConfigFileException($"{sourceName}: `config` has a key that is not text ({ConfigText.Show(keyNode.ToString())}); keys are names such as voice-edge:zoneName");
            values[key] = valueNode switch
            {
                YamlScalarNode s => ConfigValue.Plain(s.Value ?? ""),
                YamlMappingNode m when m.Children.ContainsKey(new YamlScalarNode("secure")) => ConfigValue.Secure(),
                // Structured config (a list or map, e.g. voice-edge:voiceBackends): as JSON text, the way Pulumi
                // passes it in PULUMI_CONFIG.
                YamlSequenceNode or YamlMappingNode => ConfigValue.Plain(YamlJson.ToJson(valueNode)),
                _ => throw new ConfigFileException($"{sourceName}: {ConfigText.Show(key)}: expected a string, a list, a map or a `secure:` value"),
            };
        }
        return new StackConfig(stack, sourceName, values);
    }

    /// <summary>Deeper than any stack file needs; YamlDotNet builds its node tree recursively.</summary>
    private const int MaxYamlDepth = 64;

    /// <summary>
    /// Loads YAML, turning every way a document can be broken into one message naming the file. A first pass over
    /// the parser's events (iterative, so any depth is safe) refuses nesting deep enough to exhaust the stack;
    /// YamlDotNet 16.3 also throws InvalidOperationException from its scanner on some malformed scalars.
    /// </summary>
    private static YamlStream LoadYaml(string sourceName, string yamlText)
    {
        try
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(yamlText));
            var depth = 0;
            while (parser.MoveNext())
            {
                if (parser.Current is YamlDotNet.Core.Events.NodeEvent and (YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart)
                    && ++depth > MaxYamlDepth)
                    throw new ConfigFileException($"{sourceName}: nested more than {MaxYamlDepth} levels deep; stack config values are text");
                if (parser.Current is YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd) depth--;
                // YamlDotNet 16.3 recurses without end resolving some aliases (a stack overflow no catch can stop);
                // Pulumi writes stack files without them, so a person's alias is refused with a fix.
                if (parser.Current is YamlDotNet.Core.Events.AnchorAlias)
                    throw new ConfigFileException($"{sourceName}: uses a YAML alias (*name); write the value out in full");
            }
            var stream = new YamlStream();
            stream.Load(new StringReader(yamlText));
            return stream;
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new ConfigFileException($"{sourceName}: not valid YAML ({ConfigText.Show(e.Message)})");
        }
    }

    /// <summary>
    /// Reads PULUMI_CONFIG (a JSON object of "ns:key" to string). Pulumi decrypts secrets into it and names
    /// them in PULUMI_CONFIG_SECRET_KEYS; a value is secure when listed there or when it is one of the
    /// fixed secret keys.
    /// </summary>
    public static StackConfig FromPulumiEnvironment(string stack, string json, string? secretKeysJson)
    {
        Dictionary<string, JsonElement>? raw;
        try
        {
            raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ConfigFileException($"PULUMI_CONFIG: not a JSON object ({ConfigText.Show(e.Message)})");
        }
        var secretKeys = new HashSet<string>(ConfigKeys.Secrets, StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(secretKeysJson))
        {
            string?[]? listed;
            try
            {
                listed = JsonSerializer.Deserialize<string?[]>(secretKeysJson);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                throw new ConfigFileException($"PULUMI_CONFIG_SECRET_KEYS: not a JSON list of key names ({ConfigText.Show(e.Message)})");
            }
            foreach (var k in listed ?? []) if (k is not null) secretKeys.Add(k);
        }
        var values = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        foreach (var (key, element) in raw ?? [])
        {
            var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
            values[key] = secretKeys.Contains(key) ? ConfigValue.Secure(text) : ConfigValue.Plain(text);
        }
        return new StackConfig(stack, $"{StackFileName(stack)} (PULUMI_CONFIG)", values);
    }
}

public sealed class ConfigFileException(string message) : Exception(message);
