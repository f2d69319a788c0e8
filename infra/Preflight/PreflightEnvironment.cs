namespace VoiceEdge.Infra.Preflight;

/// <summary>The environment variables preflight reads; tests pass their own lookup instead of the process's.</summary>
public static class PreflightEnvironment
{
    public const string CloudflareToken = "CLOUDFLARE_API_TOKEN";
    public const string AzureToken = "AZURE_ACCESS_TOKEN";
    public const string SubscriptionId = "ARM_SUBSCRIPTION_ID";
    public const string PulumiConfig = "PULUMI_CONFIG";
    public const string CloudflareApiBase = "VOICE_EDGE_CLOUDFLARE_API_BASE";
    public const string AzureApiBase = "VOICE_EDGE_AZURE_API_BASE";
    public const string TimeoutSeconds = "VOICE_EDGE_PREFLIGHT_TIMEOUT_SECONDS";

    public const string DefaultCloudflareApiBase = "https://api.cloudflare.com/client/v4";
    public const string DefaultAzureApiBase = "https://management.azure.com";

    public static Func<string, string?> Process { get; } = Environment.GetEnvironmentVariable;
}
