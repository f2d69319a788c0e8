namespace VoiceEdge.Infra.Settings;

/// <summary>One stack config entry as found in Pulumi.&lt;stack&gt;.yaml or PULUMI_CONFIG.</summary>
/// <param name="Text">The plain value; null for an encrypted (<c>secure:</c>) value read offline.</param>
/// <param name="IsSecure">True when the file stores it as <c>secure:</c> (or Pulumi passed it as a secret).</param>
public sealed record ConfigValue(string? Text, bool IsSecure)
{
    public static ConfigValue Plain(string text) => new(text, false);
    public static ConfigValue Secure(string? decrypted = null) => new(decrypted, true);
}

/// <summary>All config of one stack, keyed by the fully qualified key (<c>voice-edge:zoneName</c>).</summary>
/// <param name="Source">What to name in messages: the stack file, or PULUMI_CONFIG.</param>
public sealed record StackConfig(string StackName, string Source, IReadOnlyDictionary<string, ConfigValue> Values)
{
    public ConfigValue? Get(string key) => Values.TryGetValue(key, out var v) ? v : null;
}
