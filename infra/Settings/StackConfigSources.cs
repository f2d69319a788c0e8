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
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yamlText));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigFileException($"{sourceName}: not valid YAML ({e.Message})");
        }
        var values = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return new StackConfig(stack, sourceName, values);
        if (!root.Children.TryGetValue(new YamlScalarNode("config"), out var configNode))
            return new StackConfig(stack, sourceName, values);
        if (configNode is not YamlMappingNode config)
            throw new ConfigFileException($"{sourceName}: `config` must be a mapping of keys to values");

        foreach (var (keyNode, valueNode) in config.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            values[key] = valueNode switch
            {
                YamlScalarNode s => ConfigValue.Plain(s.Value ?? ""),
                YamlMappingNode m when m.Children.ContainsKey(new YamlScalarNode("secure")) => ConfigValue.Secure(),
                _ => throw new ConfigFileException($"{sourceName}: {key}: expected a string or a `secure:` value"),
            };
        }
        return new StackConfig(stack, sourceName, values);
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
        catch (JsonException e)
        {
            throw new ConfigFileException($"PULUMI_CONFIG: not a JSON object ({e.Message})");
        }
        var secretKeys = new HashSet<string>(ConfigKeys.Secrets, StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(secretKeysJson))
        {
            foreach (var k in JsonSerializer.Deserialize<string[]>(secretKeysJson) ?? []) secretKeys.Add(k);
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
