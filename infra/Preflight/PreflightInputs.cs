using System.Text.Json;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// What preflight needs besides the stack settings: the Cloudflare token, the Azure subscription, and the
/// API base URLs (overridable so tests point them at a stand-in on loopback).
/// </summary>
public sealed record PreflightInputs(
    string? CloudflareToken,
    string CloudflareTokenSource,
    string? SubscriptionId,
    string SubscriptionIdSource,
    Uri CloudflareApiBase,
    Uri AzureApiBase,
    TimeSpan Timeout,
    string? RateLimitRulesetId)
{
    /// <summary>
    /// The key another part of the program reads to adopt an existing <c>http_ratelimit</c> entrypoint ruleset
    /// by id (Pulumi's <c>import</c>); read here straight from the stack config.
    /// </summary>
    public static readonly string RateLimitRulesetIdKey = ConfigKeys.RateLimitRulesetId;
    public const string CloudflareTokenKey = "cloudflare:apiToken";
    public const string SubscriptionIdKey = "azure:subscriptionId";

    /// <summary>Reads the inputs; a malformed override is reported as a <see cref="ConfigFileException"/>.</summary>
    public static PreflightInputs Resolve(StackConfig config, Func<string, string?> env)
    {
        var pulumiConfig = ReadPulumiConfig(env(PreflightEnvironment.PulumiConfig));

        var (token, tokenSource) = First(
            (env(PreflightEnvironment.CloudflareToken), PreflightEnvironment.CloudflareToken),
            (pulumiConfig.GetValueOrDefault(CloudflareTokenKey), $"{CloudflareTokenKey} (PULUMI_CONFIG)"));
        var (subscription, subscriptionSource) = First(
            (env(PreflightEnvironment.SubscriptionId), PreflightEnvironment.SubscriptionId),
            (config.Get(SubscriptionIdKey) is { IsSecure: false } v ? v.Text : null, $"{SubscriptionIdKey} ({config.Source})"),
            (pulumiConfig.GetValueOrDefault(SubscriptionIdKey), $"{SubscriptionIdKey} (PULUMI_CONFIG)"));

        return new PreflightInputs(
            token, tokenSource, subscription, subscriptionSource,
            ApiBase(env, PreflightEnvironment.CloudflareApiBase, PreflightEnvironment.DefaultCloudflareApiBase),
            ApiBase(env, PreflightEnvironment.AzureApiBase, PreflightEnvironment.DefaultAzureApiBase),
            ReadTimeout(env),
            config.Get(RateLimitRulesetIdKey)?.Text?.Trim() is { Length: > 0 } id ? id : null);
    }

    private static (string? Value, string Source) First(params (string? Value, string Source)[] candidates)
    {
        foreach (var (value, source) in candidates)
        {
            if (!string.IsNullOrWhiteSpace(value)) return (value.Trim(), source);
        }
        return (null, "");
    }

    private static Dictionary<string, string> ReadPulumiConfig(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            var raw = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json) ?? [];
            return raw.Where(kv => kv.Value.ValueKind == JsonValueKind.String)
                .ToDictionary(kv => kv.Key, kv => kv.Value.GetString()!);
        }
        catch (JsonException)
        {
            // Never echo the text: it holds decrypted secrets.
            throw new ConfigFileException($"{PreflightEnvironment.PulumiConfig}: not a JSON object of strings");
        }
    }

    /// <summary>https, or http to a loopback address only: a token must never cross the network in clear text.</summary>
    private static Uri ApiBase(Func<string, string?> env, string variable, string fallback)
    {
        var text = env(variable);
        if (string.IsNullOrWhiteSpace(text)) return new Uri(fallback);
        if (!Uri.TryCreate(text.Trim().TrimEnd('/'), UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            || !string.IsNullOrEmpty(uri.Query))
            throw new ConfigFileException($"{variable}: `{text}` is not an https:// base URL (http:// only for a loopback address); unset it to use {fallback}");
        return uri;
    }

    private static TimeSpan ReadTimeout(Func<string, string?> env)
    {
        var text = env(PreflightEnvironment.TimeoutSeconds);
        if (string.IsNullOrWhiteSpace(text)) return TimeSpan.FromSeconds(20);
        if (!int.TryParse(text, out var seconds) || seconds < 1 || seconds > 300)
            throw new ConfigFileException($"{PreflightEnvironment.TimeoutSeconds}: `{text}` is not a whole number of seconds from 1 to 300");
        return TimeSpan.FromSeconds(seconds);
    }
}
