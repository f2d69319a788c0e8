namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// Removes every credential preflight holds from a text before it is printed, so an API that echoes the
/// request, or an exception message, can never put a token on the screen or in a CI log.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "[redacted]";
    private readonly List<string> _secrets = [];

    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return;
        lock (_secrets)
        {
            if (!_secrets.Contains(secret)) _secrets.Add(secret);
            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }

    public string Redact(string text)
    {
        lock (_secrets)
        {
            foreach (var secret in _secrets) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return text;
    }
}
