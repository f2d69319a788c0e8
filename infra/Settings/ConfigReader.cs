using System.Net;

namespace VoiceEdge.Infra.Settings;

/// <summary>Collects problems while reading values, so one run reports all of them.</summary>
internal sealed class ConfigReader(StackConfig config)
{
    private readonly List<ConfigProblem> _problems = [];
    private readonly HashSet<string> _invalid = [];

    public string StackName => config.StackName;

    public void Problem(string key, string problem, string fix)
    {
        _invalid.Add(key);
        _problems.Add(new ConfigProblem(config.Source, key, problem, fix));
    }

    public bool IsValid(string key) => !_invalid.Contains(key);

    public StackReading Reading(StackSettings settings) => new(settings, config.Source, _problems, _invalid);

    public string SetHint(string key) => $"run `pulumi config set {ConfigKeys.Unqualified(key)} <value> -s {config.StackName}`";

    public string? Raw(string key)
    {
        var text = config.Get(key)?.Text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    public void RequireSecret(string key)
    {
        if (config.Get(key) is null)
            Problem(key, "is missing", $"run `pulumi config set --secret {ConfigKeys.Unqualified(key)} <value> -s {config.StackName}`");
    }

    /// <summary>A key that must be set and match its pattern; "" when it does not (the problem is recorded).</summary>
    public string Required(ConfigKey key)
    {
        var value = Raw(key);
        if (value is null) { Problem(key, "is missing", SetHint(key)); return ""; }
        return Matches(key, value) ? value : "";
    }

    /// <summary>An optional key without a default: null when unset or not matching its pattern.</summary>
    public string? OptionalMatch(ConfigKey key)
    {
        var value = Raw(key);
        return value is not null && Matches(key, value) ? value : null;
    }

    /// <summary>An optional key: its value, else the given default (for defaults computed from other settings), else the key's own.</summary>
    public string Optional(ConfigKey key, string? computedFallback = null)
    {
        var fallback = computedFallback ?? key.Fallback ?? throw new InvalidOperationException($"{key} has no default");
        var value = Raw(key);
        // A default computed from the stack name (`voice-edge-<stack>`) obeys the same rule as a set value.
        if (value is null && computedFallback is not null && key.Pattern is { } pattern && !pattern().IsMatch(computedFallback))
            Problem(key, $"is unset, and its default `{ConfigText.Show(computedFallback)}` (from the stack name) is not valid: it {key.Rule}", SetHint(key));
        return value is not null && Matches(key, value) ? value : fallback;
    }

    private bool Matches(ConfigKey key, string value)
    {
        if (key.Pattern!().IsMatch(value)) return true;
        Problem(key, $"`{ConfigText.Show(value)}` is not valid: it {key.Rule}", SetHint(key));
        return false;
    }

    public string Choice(ConfigKey key)
    {
        var allowed = key.Choices!;
        var value = Raw(key)?.ToLowerInvariant();
        if (value is null) return key.Fallback!;
        if (!allowed.Contains(value)) { Problem(key, $"`{ConfigText.Show(value)}` is not one of {string.Join(", ", allowed)}", SetHint(key)); return key.Fallback!; }
        return value;
    }

    public bool Bool(ConfigKey key)
    {
        var fallback = bool.Parse(key.Fallback!);
        var value = Raw(key)?.ToLowerInvariant();
        if (value is null) return fallback;
        if (value is "true" or "false") return value == "true";
        Problem(key, $"`{ConfigText.Show(value)}` is not true or false", SetHint(key));
        return fallback;
    }

    public int Int(ConfigKey key)
    {
        var fallback = int.Parse(key.Fallback!, System.Globalization.CultureInfo.InvariantCulture);
        var (min, max) = key.Range!.Value;
        var value = Raw(key);
        if (value is null) return fallback;
        if (!int.TryParse(value, out var n) || n < min || n > max)
        {
            Problem(key, $"`{ConfigText.Show(value)}` is not a whole number from {min} to {max}", SetHint(key));
            return fallback;
        }
        return n;
    }

    public string? OptionalUrl(string key, string[] schemes)
    {
        var value = Raw(key);
        if (value is null) return null;
        return CheckUrl(key, value, schemes) ? value : null;
    }

    public string RequiredUrl(string key, string[] schemes, string example)
    {
        var value = Raw(key);
        if (value is null) { Problem(key, $"is missing ({example})", SetHint(key)); return ""; }
        return CheckUrl(key, value, schemes) ? value : "";
    }

    private bool CheckUrl(string key, string value, string[] schemes)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            Problem(key, $"`{ConfigText.Show(value)}` is not an absolute URL", SetHint(key));
            return false;
        }
        if (!schemes.Contains(uri.Scheme))
        {
            Problem(key, $"`{ConfigText.Show(value)}` has scheme {uri.Scheme}; expected {string.Join(" or ", schemes.Select(s => s + "://"))}", SetHint(key));
            return false;
        }
        return true;
    }

    public const string VoiceBackendExample = "wss://gpu.example.com:8998/api/chat";

    /// <summary>A Twilio stream backend: the same rules as a voice backend's URL (<see cref="VoiceBackendUrlProblem"/>).</summary>
    public string? VoiceBackendUrl(string key)
    {
        var value = Raw(key);
        if (value is null) return null;
        if (VoiceBackendUrlProblem(value) is not { } bad) return value;
        Problem(key, bad.Problem, $"{bad.Fix}{SetHint(key)}");
        return null;
    }

    /// <summary>
    /// The voice backend (PersonaPlex) runs on a GPU host, never on the relay VM (a GPU-less B-series), so a
    /// loopback URL is refused; a remote backend is reached over wss://, or ws:// only to a private address.
    /// Null when the URL is fine; else the problem and the start of its fix (the caller adds how to set it).
    /// </summary>
    internal static (string Problem, string Fix)? VoiceBackendUrlProblem(string value)
    {
        if (value.Any(char.IsControl))
            return ($"`{ConfigText.Show(value)}` holds a control character", "write the URL on one line: ");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            return ($"`{ConfigText.Show(value)}` is not an absolute URL", $"give a ws:// or wss:// URL such as {VoiceBackendExample}: ");
        if (uri.Scheme is not ("ws" or "wss"))
            return ($"`{ConfigText.Show(value)}` has scheme {uri.Scheme}; expected ws:// or wss://", $"give a ws:// or wss:// URL such as {VoiceBackendExample}: ");
        if (uri.IsLoopback || uri.Host is "0.0.0.0" or "[::]")
            return ($"`{ConfigText.Show(value)}` points at the relay VM itself, which has no GPU to run the voice backend", $"use the remote GPU host over wss://, e.g. {VoiceBackendExample}: ");
        if (uri.Scheme == "ws" && !IsPrivateAddress(uri.Host))
            return ($"`{ConfigText.Show(value)}` would carry call audio unencrypted over the internet", "use wss:// (ws:// only to a private address in the VM's network): ");
        return null;
    }

    public List<string> EmailList(string key)
    {
        var value = Raw(key);
        if (value is null) { Problem(key, "is missing (comma-separated alert email addresses)", SetHint(key)); return []; }
        var emails = Split(value);
        foreach (var bad in emails.Where(e => !ConfigPatterns.Email().IsMatch(e)))
            Problem(key, $"`{ConfigText.Show(bad)}` is not an email address", SetHint(key));
        return emails;
    }

    public List<string> OriginList(string key, string fallback)
    {
        var value = Raw(key);
        if (value is null) return [fallback];
        var origins = Split(value);
        foreach (var origin in origins)
        {
            var ok = Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && (uri.Scheme == "https" || (uri.Scheme == "http" && uri.IsLoopback))
                && uri.AbsolutePath == "/" && !origin.EndsWith('/') && string.IsNullOrEmpty(uri.Query);
            if (!ok) Problem(key, $"`{ConfigText.Show(origin)}` is not an origin (https://host[:port], no path; http only for localhost)", SetHint(key));
        }
        return origins;
    }

    public List<string> CidrList(string key, bool allowAnywhere)
    {
        var value = Raw(key);
        if (value is null) return [];
        var cidrs = Split(value);
        foreach (var cidr in cidrs)
        {
            if (!IPNetwork.TryParse(cidr, out var network) || !network.BaseAddress.Equals(IPAddress.Parse(cidr.Split('/')[0])))
            {
                Problem(key, $"`{ConfigText.Show(cidr)}` is not a CIDR such as 203.0.113.7/32 (an address with its host bits set is not a network)", SetHint(key));
                continue;
            }
            if (network.PrefixLength == 0 && !allowAnywhere)
                Problem(key, $"`{ConfigText.Show(cidr)}` opens SSH to the whole internet", $"list your admin networks instead, or set {ConfigKeys.AllowSshFromAnywhere} to true if you really mean it");
        }
        return cidrs;
    }

    public string AdminUsername()
    {
        var name = Optional(ConfigKeys.AdminUsername);
        if (name is "root" or "admin" or "administrator")
        {
            Problem(ConfigKeys.AdminUsername, $"`{ConfigText.Show(name)}` is reserved by Azure", SetHint(ConfigKeys.AdminUsername));
        }
        return name;
    }

    private static List<string> Split(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static bool IsPrivateAddress(string host)
    {
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return false;
        if (ip.IsIPv6UniqueLocal) return true;
        var b = ip.GetAddressBytes();
        return b.Length == 4 && (b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168));
    }
}
