namespace VoiceEdge.Infra.Settings;

/// <summary>The <c>voice-edge:</c> stack settings: names, defaults and which are secrets.</summary>
public static class ConfigKeys
{
    public const string Namespace = "voice-edge";

    public const string Kind = "voice-edge:kind";
    public const string OwnsZone = "voice-edge:ownsZone";
    public const string AccountId = "voice-edge:cloudflareAccountId";
    public const string ZoneId = "voice-edge:cloudflareZoneId";
    public const string ZoneName = "voice-edge:zoneName";
    public const string ZonePlan = "voice-edge:zonePlan";
    public const string PublicHost = "voice-edge:publicHost";
    public const string RoutePrefix = "voice-edge:routePrefix";
    public const string RelayRecord = "voice-edge:relayRecord";
    public const string WorkerName = "voice-edge:workerName";
    public const string AllowedOrigins = "voice-edge:allowedOrigins";
    public const string AuthJwksUrl = "voice-edge:authJwksUrl";
    public const string AuthIssuer = "voice-edge:authIssuer";
    public const string AuthAudience = "voice-edge:authAudience";
    public const string VoiceUpstream = "voice-edge:voiceUpstream";
    public const string TwilioUpstream = "voice-edge:twilioUpstream";
    public const string RateLimitRequests = "voice-edge:rateLimitRequests";
    public const string RateLimitPeriod = "voice-edge:rateLimitPeriod";
    public const string RateLimitMitigation = "voice-edge:rateLimitMitigationTimeout";
    public const string AlertEmails = "voice-edge:alertEmails";
    public const string AzureLocation = "voice-edge:azureLocation";
    public const string VmSize = "voice-edge:vmSize";
    public const string AdminUsername = "voice-edge:adminUsername";
    public const string SshPublicKey = "voice-edge:sshPublicKey";
    public const string AdminCidrs = "voice-edge:adminCidrs";
    public const string AllowSshFromAnywhere = "voice-edge:allowSshFromAnywhere";
    public const string DnsLabel = "voice-edge:relayDnsLabel";
    public const string RelayUrl = "voice-edge:relayUrl";
    public const string WorkersDevSubdomain = "voice-edge:workersDevSubdomain";
    public const string RateLimitRulesetId = "voice-edge:rateLimitRulesetId";
    public const string RateLimitKeptRules = "voice-edge:rateLimitKeptRules";
    public const string OriginErrorSlo = "voice-edge:originErrorSlo";

    public const string RelaySigningKey = "voice-edge:relaySigningKey";
    public const string AuthJwtSecret = "voice-edge:authJwtSecret";
    public const string TwilioAuthToken = "voice-edge:twilioAuthToken";
    public const string AlertWebhookUrl = "voice-edge:alertWebhookUrl";

    /// <summary>Fixed by the schema: these must be <c>secure:</c> and are only ever referenced, never inlined.</summary>
    public static readonly IReadOnlyList<string> Secrets =
        [RelaySigningKey, AuthJwtSecret, TwilioAuthToken, AlertWebhookUrl];

    public static readonly IReadOnlySet<string> Known = new HashSet<string>
    {
        Kind, OwnsZone, AccountId, ZoneId, ZoneName, ZonePlan, PublicHost, RoutePrefix, RelayRecord,
        WorkerName, AllowedOrigins, AuthJwksUrl, AuthIssuer, AuthAudience, VoiceUpstream, TwilioUpstream,
        RateLimitRequests, RateLimitPeriod, RateLimitMitigation, AlertEmails, AzureLocation, VmSize,
        AdminUsername, SshPublicKey, AdminCidrs, AllowSshFromAnywhere, DnsLabel, RelayUrl, WorkersDevSubdomain,
        RelaySigningKey, AuthJwtSecret, TwilioAuthToken, AlertWebhookUrl,
        RateLimitRulesetId, RateLimitKeptRules, OriginErrorSlo,
    };

    /// <summary>Keys earlier versions used, with why they went and what to do, so an old stack file gets a useful line.</summary>
    public static readonly IReadOnlyDictionary<string, string> Retired = new Dictionary<string, string>
    {
        ["voice-edge:sshPrivateKey"] = "is no longer used: the relay deploys through an Azure Run Command with no inbound SSH",
    };

    /// <summary>The key without its namespace, as a Pulumi YAML program names a project config value.</summary>
    public static string Unqualified(string key) => key[(key.IndexOf(':') + 1)..];
}
