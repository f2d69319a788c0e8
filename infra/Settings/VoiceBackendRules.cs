using System.Globalization;
using System.Text.Json;

namespace VoiceEdge.Infra.Settings;

/// <summary>One voice backend of the relay's pool (<c>Relay__Backends__&lt;i&gt;__*</c>).</summary>
public sealed record VoiceBackend(string Url, int Capacity, string? CertificateSha256, IReadOnlyList<KeyValuePair<string, string>> DefaultQuery);

/// <summary>
/// Reads <c>voice-edge:voiceBackends</c> (a list of <c>{url, capacity, certificateSha256, defaultQuery}</c>) and
/// <c>voice-edge:voiceQueryKeys</c>, with the relay's own rules (relay/Hosting/RelayOptions.cs,
/// relay/Relaying/Pool/CertificatePin.cs) checked here, so a stack the relay would refuse at start never deploys.
/// Every value also becomes a line of the relay's systemd environment file, so none may hold a line break, a
/// backslash or surrounding quotes and spaces (systemd would read them as escapes, quoting or padding).
/// </summary>
internal static class VoiceBackendRules
{
    public const int MaxBackends = 100;
    public const int MaxCapacity = 100_000;
    public const int MaxQueryKeys = 20;
    public const int MaxQueryValueLength = 1000;
    private const int MaxQueryKeyLength = 64;
    private static readonly string[] Fields = ["url", "capacity", "certificateSha256", "defaultQuery"];

    public const string PersonaPlexExample = "[{url: wss://gpu.example.com:8998/api/chat, capacity: 1, defaultQuery: {voice_prompt: NATF2.pt, text_prompt: You enjoy having a good conversation.}}]";

    /// <summary>Where an old stack still sets <c>voiceUpstream</c>: how to say it as <c>voiceBackends</c>.</summary>
    public static (string Problem, string Fix) RetiredUpstream(string? value, string source) =>
        ("was replaced by voice-edge:voiceBackends (the relay pools several voice backends) and is no longer read",
         $"rewrite it in {source} as `voice-edge:voiceBackends: [{{url: {ConfigText.Show(value ?? "<url>")}, capacity: 1}}]` "
         + "(PersonaPlex: add `defaultQuery: {voice_prompt: NATF2.pt, text_prompt: <the agent's prompt>}`; a self-signed certificate: `certificateSha256`), then delete the voiceUpstream line");

    public static IReadOnlyList<VoiceBackend> Backends(ConfigReader r, string source)
    {
        string key = ConfigKeys.VoiceBackends;
        var text = r.Raw(key);
        var writeIt = $"write it in {source} as `voice-edge:voiceBackends: {PersonaPlexExample}`";
        if (text is null)
        {
            r.Problem(key, "is missing: the relay needs at least one voice backend (PersonaPlex on a GPU host)", writeIt);
            return [];
        }
        if (Json(text) is not { ValueKind: JsonValueKind.Array } list)
        {
            r.Problem(key, $"`{ConfigText.Show(text)}` is not a list of backends", writeIt);
            return [];
        }
        return List(r, source, list, BackendPlace.Stack, writeIt);
    }

    /// <summary>A list of backends already parsed (the stack's <c>voiceBackends</c>, or one relay's in <c>relays</c>), checked where it sits.</summary>
    internal static IReadOnlyList<VoiceBackend> List(ConfigReader r, string source, JsonElement list, BackendPlace place, string writeIt)
    {
        string key = place.Key;
        var count = list.GetArrayLength();
        if (count is 0 or > MaxBackends)
        {
            r.Problem(key, $"{place.Label}has {count} backends; it needs 1 to {MaxBackends}", writeIt);
            return [];
        }
        var backends = new List<VoiceBackend>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (Backend(r, source, item, index++, place) is { } backend) backends.Add(backend);
        }
        foreach (var twice in backends.GroupBy(b => b.Url, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            r.Problem(key, $"{place.Label}lists `{ConfigText.Show(twice.Key)}` {twice.Count()} times", "list each backend once and give it the calls it takes at once as `capacity`");
        return backends.Count == count ? backends : [];
    }

    private static VoiceBackend? Backend(ConfigReader r, string source, JsonElement item, int i, BackendPlace place)
    {
        string key = place.Key;
        var at = place.Entry(i);
        string SetPath(string field) => $"run `pulumi config set --path '{place.At(i)}.{field}' <value> -s {r.StackName}`";
        if (item.ValueKind != JsonValueKind.Object)
        {
            r.Problem(key, $"{at} is not an object", $"give each backend as `{{url: {ConfigReader.VoiceBackendExample}, capacity: 1}}`");
            return null;
        }
        var ok = true;
        var unknown = item.EnumerateObject().Select(p => p.Name).Where(n => !Fields.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            r.Problem(key, $"{at} has fields the relay does not know ({ConfigText.Show(string.Join(", ", unknown))})", $"use only {string.Join(", ", Fields)} (names are case-sensitive)");
            ok = false;
        }

        var url = Scalar(item, "url");
        if (url is null)
        {
            r.Problem(key, $"{at} has no `url`", SetPath("url"));
            ok = false;
        }
        else if (ConfigReader.VoiceBackendUrlProblem(url) is { } bad)
        {
            r.Problem(key, $"{at} url {bad.Problem}", bad.Fix + SetPath("url"));
            ok = false;
        }
        else if (Unsafe(url) is { } why)
        {
            r.Problem(key, $"{at} url {why}", SetPath("url"));
            ok = false;
        }

        var capacity = 1;
        if (item.TryGetProperty("capacity", out _))
        {
            var text = Scalar(item, "capacity");
            if (text is null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out capacity) || capacity is < 1 or > MaxCapacity)
            {
                r.Problem(key, $"{at} capacity `{ConfigText.Show(text ?? Raw(item, "capacity"))}` is not a whole number from 1 to {MaxCapacity}", $"PersonaPlex serves one conversation at a time: 1; {SetPath("capacity")}");
                ok = false;
            }
        }

        string? pin = null;
        if (item.TryGetProperty("certificateSha256", out _))
        {
            pin = Scalar(item, "certificateSha256");
            if (pin is null || !IsPin(pin))
            {
                r.Problem(key, $"{at} certificateSha256 `{ConfigText.Show(pin ?? Raw(item, "certificateSha256"))}` is not a SHA-256 pin",
                    $"give the SHA-256 of the backend's DER certificate as 64 hex digits (colons allowed), as `openssl x509 -in cert.pem -noout -fingerprint -sha256` prints it, or 44 base64 characters: {SetPath("certificateSha256")}");
                ok = false;
            }
            else if (url is not null && url.StartsWith("ws://", StringComparison.OrdinalIgnoreCase))
            {
                r.Problem(key, $"{at} certificateSha256 is set for a ws:// backend, which has no certificate", "use wss:// or remove the pin");
                ok = false;
            }
        }

        var query = new List<KeyValuePair<string, string>>();
        if (item.TryGetProperty("defaultQuery", out var defaults))
        {
            if (defaults.ValueKind != JsonValueKind.Object)
            {
                r.Problem(key, $"{at} defaultQuery is not a map of query keys to values", "write it as e.g. `defaultQuery: {voice_prompt: NATF2.pt, text_prompt: You enjoy having a good conversation.}`");
                ok = false;
            }
            else
            {
                foreach (var p in defaults.EnumerateObject())
                {
                    if (QueryKeyProblem(p.Name) is { } keyProblem)
                    {
                        r.Problem(key, $"{at} defaultQuery key `{ConfigText.Show(p.Name)}` {keyProblem}", "use PersonaPlex's names (voice_prompt, text_prompt): letters, digits and single `_`");
                        ok = false;
                        continue;
                    }
                    var value = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Number => p.Value.GetRawText(),
                        _ => null,
                    };
                    var valueProblem = value is null ? "is not text" : value.Length is 0 or > MaxQueryValueLength ? $"must be 1 to {MaxQueryValueLength} characters" : Unsafe(value);
                    if (valueProblem is not null)
                    {
                        r.Problem(key, $"{at} defaultQuery `{ConfigText.Show(p.Name)}` value {valueProblem}", $"{SetPath($"defaultQuery.{p.Name}")}");
                        ok = false;
                        continue;
                    }
                    if (query.Any(q => q.Key == p.Name))
                    {
                        r.Problem(key, $"{at} defaultQuery sets `{ConfigText.Show(p.Name)}` twice", "keep one value per key");
                        ok = false;
                        continue;
                    }
                    query.Add(new(p.Name, value!));
                }
            }
        }
        if (ok) ok = PersonaPlexQueryRules.Check(r, source, i, url!, query, place);
        return ok ? new VoiceBackend(url!, capacity, pin, query) : null;
    }

    public static IReadOnlyList<string> QueryKeys(ConfigReader r, string source, IReadOnlyList<VoiceBackend> backends)
    {
        string key = ConfigKeys.VoiceQueryKeys;
        var text = r.Raw(key);
        if (text is null) return [];
        if (Json(text) is not { ValueKind: JsonValueKind.Array } list || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            r.Problem(key, $"`{ConfigText.Show(text)}` is not a list of query keys", "write it in the stack file as e.g. `voice-edge:voiceQueryKeys: [text_prompt]`");
            return [];
        }
        var keys = list.EnumerateArray().Select(e => e.GetString()!).ToList();
        if (keys.Count > MaxQueryKeys)
        {
            r.Problem(key, $"lists {keys.Count} keys; at most {MaxQueryKeys}", "list only the keys a caller may choose");
            return [];
        }
        var ok = true;
        foreach (var k in keys)
        {
            if (QueryKeyProblem(k) is not { } problem) continue;
            r.Problem(key, $"`{ConfigText.Show(k)}` {problem}", "use PersonaPlex's names (e.g. text_prompt): letters, digits and single `_`");
            ok = false;
        }
        foreach (var twice in keys.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            r.Problem(key, $"lists `{ConfigText.Show(twice.Key)}` twice", "list each key once");
            ok = false;
        }
        if (ok) ok = PersonaPlexQueryRules.CheckCallerKeys(r, source, keys, backends);
        return ok ? keys : [];
    }

    private static string? QueryKeyProblem(string key) =>
        key.Length > MaxQueryKeyLength ? $"is longer than {MaxQueryKeyLength} characters"
        : !ConfigPatterns.QueryKey().IsMatch(key) ? "is not a query key (a letter, then letters, digits and single `_`)"
        : null;

    /// <summary>Why a value cannot be a line of a systemd environment file as it is, or null.</summary>
    internal static string? Unsafe(string value) =>
        value.Any(char.IsControl) ? "holds a control character (a line break would start another setting)"
        : value.Contains('\\', StringComparison.Ordinal) ? "holds a backslash (systemd would read it as an escape)"
        : value.Trim() != value ? "starts or ends with a space (systemd would drop it)"
        : value[0] is '"' or '\'' ? "starts with a quote (systemd would unquote it)"
        : null;

    /// <summary>The relay's pin formats (relay/Relaying/Pool/CertificatePin.cs): 64 hex digits, colons allowed, or 32 bytes in base64.</summary>
    internal static bool IsPin(string text)
    {
        var hex = text.Replace(":", "", StringComparison.Ordinal);
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit)) return true;
        var bytes = new byte[48];
        return text.Length == 44 && Convert.TryFromBase64String(text, bytes, out var n) && n == 32;
    }

    internal static JsonElement? Json(string text)
    {
        try
        {
            return JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 }).RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: text that is not valid UTF-16 (a lone surrogate) cannot be JSON either.
            return null;
        }
    }

    /// <summary>A field that is text or a number, as its text; null when missing or another kind.</summary>
    internal static string? Scalar(JsonElement o, string name) =>
        !o.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.Number ? v.GetRawText()
        : null;

    internal static string Raw(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v.GetRawText() : "";
}

/// <summary>
/// Where a list of voice backends sits, for its problem lines: the stack's <c>voiceBackends</c> (no label, path
/// <c>voiceBackends</c>), or one relay's in <c>relays</c> (label "relay weu voiceBackends ", path <c>relays[0].voiceBackends</c>).
/// </summary>
internal sealed record BackendPlace(string Key, string Label, string Path)
{
    public static readonly BackendPlace Stack = new(ConfigKeys.VoiceBackends, "", "voiceBackends");

    public string Entry(int i) => $"{Label}entry {i}";

    public string At(int i) => $"{Path}[{i}]";
}
