namespace VoiceEdge.Infra.Settings;

/// <summary>
/// The <c>voice-edge:</c> stack settings, each declared once: name, default, rule and doc. The order is the
/// README table's (generated from <see cref="All"/>; a test fails when the README differs).
/// </summary>
public static class ConfigKeys
{
    public const string Namespace = "voice-edge";

    private const string Required = "required";
    private const string RequiredFull = "required (full)";

    public static readonly ConfigKey Kind = new() { Name = "kind", Fallback = "full", Choices = ["full", "preview"], Doc = "`full` or `preview`" };
    public static readonly ConfigKey AccountId = new()
    {
        Name = "cloudflareAccountId", DefaultText = Required, Doc = "32 lowercase hex characters",
        Pattern = ConfigPatterns.HexId, Rule = "must be the 32-character hex Cloudflare account id (dashboard: Account home > Account ID)",
    };
    public static readonly ConfigKey ZoneId = new()
    {
        Name = "cloudflareZoneId", DefaultText = RequiredFull, Doc = "32 lowercase hex characters", RefusedInPreview = true,
        Pattern = ConfigPatterns.HexId, Rule = "must be the 32-character hex zone id (dashboard: the zone's Overview > Zone ID)",
    };
    public static readonly ConfigKey ZoneName = new()
    {
        Name = "zoneName", DefaultText = RequiredFull, Doc = "e.g. `example.com`",
        Pattern = ConfigPatterns.Domain, Rule = "must be the zone's domain name, e.g. example.com",
    };
    public static readonly ConfigKey OwnsZone = new() { Name = "ownsZone", Fallback = "false", Doc = "exactly one committed stack per zone may be `true`", RefusedInPreview = true };
    public static readonly ConfigKey ZonePlan = new()
    {
        Name = "zonePlan", Fallback = "free", Choices = ["free", "pro", "business", "enterprise"], ZoneOwnerOnly = true,
        Doc = "`free`, `pro`, `business`, `enterprise`: decides the allowed rate-limit values and the Cloudflare monitoring declared",
    };
    public static readonly ConfigKey PublicHost = new()
    {
        Name = "publicHost", DefaultText = "`zoneName`", Doc = "the proxied host browsers use; must be in the zone",
        Pattern = ConfigPatterns.Domain, Rule = "must be a host name in the zone, e.g. example.com",
    };
    public static readonly ConfigKey RoutePrefix = new()
    {
        Name = "routePrefix", Fallback = "/voice", Doc = "Worker route `<publicHost><routePrefix>/*`; stacks sharing a zone need distinct routes",
        Pattern = ConfigPatterns.RoutePrefix, Rule = "must start with `/`, not end with `/`, and use only letters, digits, `-`, `_` and `/` (e.g. /voice)",
    };
    public static readonly ConfigKey RelayRecord = new()
    {
        Name = "relayRecord", Fallback = "ws", Doc = "label or FQDN in the zone; DNS-only CNAME to the VM",
        Pattern = ConfigPatterns.Record, Rule = "must be a DNS label (ws) or a name in the zone (ws.example.com)",
    };
    public static readonly ConfigKey WorkerName = new()
    {
        Name = "workerName", DefaultText = "`voice-edge-<stack>`", Doc = "Worker script name",
        Pattern = ConfigPatterns.WorkerName, Rule = "must be 1-63 lowercase letters, digits or `-` (a Worker script name)",
    };
    public static readonly ConfigKey AllowedOrigins = new() { Name = "allowedOrigins", DefaultText = "`https://<publicHost>`", Doc = "comma-separated origins; `http://` only for localhost" };
    public static readonly ConfigKey AuthJwksUrl = new() { Name = "authJwksUrl", Doc = "optional JWT check in the Worker: the JWKS URL (https only)" };
    public static readonly ConfigKey AuthIssuer = new() { Name = "authIssuer", Doc = "optional JWT check in the Worker: the expected `iss`" };
    public static readonly ConfigKey AuthAudience = new() { Name = "authAudience", Doc = "optional JWT check in the Worker: the expected `aud`" };
    public static readonly ConfigKey VoiceBackends = new()
    {
        Name = "voiceBackends", DefaultText = RequiredFull, RefusedInPreview = true,
        Doc = "the relay's voice backends for `/api/chat` (`Relay__Backends`), a list of `{url, capacity, certificateSha256, defaultQuery}`: "
            + "`url` PersonaPlex on a GPU host, e.g. `wss://gpu.example.com:8998/api/chat` (loopback refused: the relay VM has no GPU; `ws://` only to a private address: 10/8, 172.16/12, 192.168/16, fc00::/7); "
            + "`capacity` calls at once, 1 to 100000, default 1 (PersonaPlex serves one conversation at a time); "
            + "`certificateSha256` the pin of a self-signed `wss://` backend (64 hex digits, colons allowed, or 44 base64 characters); "
            + "`defaultQuery` query values every call gets, e.g. `{voice_prompt: NATF2.pt, text_prompt: You enjoy having a good conversation.}` "
            + "(a PersonaPlex backend, path `/api/chat`, needs `text_prompt`; `seed` is refused until a PersonaPlex release carries NVIDIA/personaplex PR #75). Replaces `voiceUpstream` (see \"Voice backends\")",
    };
    public static readonly ConfigKey VoiceQueryKeys = new()
    {
        Name = "voiceQueryKeys", DefaultText = "unset: callers set no query value", RefusedInPreview = true,
        Doc = "query keys a caller may set over a backend's `defaultQuery` (`Relay__AllowedQueryKeys`), a list such as `[text_prompt]` (`seed` refused for PersonaPlex: NVIDIA/personaplex PR #75)",
    };
    public static readonly ConfigKey TwilioUpstream = new()
    {
        Name = "twilioUpstream", DefaultText = "the first voice backend's scheme, host and port with path `/twilio`",
        Doc = "relay's backend for Twilio streams; same rules as a `voiceBackends` url",
    };
    public static readonly ConfigKey TwilioMode = new()
    {
        Name = "twilioMode", Fallback = "passthrough", Choices = ["passthrough", "personaplex"], RefusedInPreview = true,
        Doc = "`passthrough` (Twilio streams go to `twilioUpstream`, your own agent) or `personaplex` (the relay bridges Twilio's mu-law 8 kHz to PersonaPlex's Ogg Opus 24 kHz at `twilioUpstream`)",
    };
    public static readonly ConfigKey TwilioAccountSid = new()
    {
        Name = "twilioAccountSid", DefaultText = RequiredFull, RefusedInPreview = true,
        Doc = "the Twilio account (`AC` + 32 hex) whose calls the relay takes (`Relay__TwilioAccountSid`); Console > Account info",
        Pattern = ConfigPatterns.TwilioAccountSid, Rule = "must be a Twilio account SID: AC followed by 32 lowercase hex digits (Twilio Console > Account info)",
    };
    public static readonly ConfigKey RateLimitRequests = new() { Name = "rateLimitRequests", Fallback = "10", Range = (1, 1_000_000), ZoneOwnerOnly = true, Doc = "zone owner only" };
    public static readonly ConfigKey RateLimitPeriod = new() { Name = "rateLimitPeriod", Fallback = "10", Range = (1, 86400), ZoneOwnerOnly = true, Doc = "seconds; zone owner only; checked against the plan" };
    public static readonly ConfigKey RateLimitMitigation = new() { Name = "rateLimitMitigationTimeout", Fallback = "10", Range = (0, 86400), ZoneOwnerOnly = true, Doc = "seconds; zone owner only; checked against the plan" };
    public static readonly ConfigKey RateLimitRulesetId = new()
    {
        Name = "rateLimitRulesetId", ZoneOwnerOnly = true,
        Doc = "zone owner only: the id of the zone's existing `http_ratelimit` entry point, to adopt it (see \"Adopting an existing rate-limit entry point\")",
        Pattern = ConfigPatterns.HexId,
        Rule = "must be the 32-character hex id of the zone's existing http_ratelimit entry-point ruleset (GET /zones/<zone id>/rulesets/phases/http_ratelimit/entrypoint, or `infra/voice-edge preflight`)",
    };
    public static readonly ConfigKey RateLimitKeptRules = new()
    {
        Name = "rateLimitKeptRules", ZoneOwnerOnly = true,
        Doc = "zone owner only, required with `rateLimitRulesetId`: a JSON array of the entry point's rules to keep, as the Rulesets API returns them; `[]` replaces them all with voice-edge's",
    };
    /// <summary>Choices: the <c>slo</c> filter values the Origin Error Rate Alert accepts (percent of requests without origin errors).</summary>
    public static readonly ConfigKey OriginErrorSlo = new()
    {
        Name = "originErrorSlo", Fallback = "99.9", Choices = ["99.7", "99.8", "99.9"], ZoneOwnerOnly = true,
        Doc = "zone owner on Enterprise only: the Origin Error Rate Alert's SLO, `99.7`, `99.8` or `99.9`",
    };
    public static readonly ConfigKey AlertEmails = new() { Name = "alertEmails", DefaultText = RequiredFull, Doc = "comma-separated; the Azure action group, and Cloudflare alerts on Pro and above" };
    public static readonly ConfigKey AzureLocation = new()
    {
        Name = "azureLocation", Fallback = "westeurope", Doc = "Azure region",
        Pattern = ConfigPatterns.AzureLocation, Rule = "must be an Azure region name such as westeurope or eastus2",
    };
    public static readonly ConfigKey VmSize = new()
    {
        Name = "vmSize", Fallback = "Standard_B2s", Doc = "the relay VM's size",
        Pattern = ConfigPatterns.VmSize, Rule = "must be an Azure VM size such as Standard_B2s",
    };
    public static readonly ConfigKey AdminUsername = new()
    {
        Name = "adminUsername", Fallback = "voiceedge", Doc = "not `root`, `admin`, `administrator`",
        Pattern = ConfigPatterns.Username, Rule = "must be a Linux user name (lowercase letters, digits, `_`, `-`)",
    };
    public static readonly ConfigKey SshPublicKey = new()
    {
        Name = "sshPublicKey", DefaultText = RequiredFull, RefusedInPreview = true,
        Doc = "OpenSSH public key line for humans (Azure needs a key when password login is off); the private half never goes to Pulumi",
        Pattern = ConfigPatterns.SshPublicKey, Rule = "must be an OpenSSH public key line (ssh-ed25519 AAAA... or ssh-rsa AAAA...)",
    };
    public static readonly ConfigKey AdminCidrs = new()
    {
        Name = "adminCidrs", DefaultText = "unset: no SSH rule", RefusedInPreview = true,
        Doc = "comma-separated networks allowed to reach SSH, for humans (deploys need no inbound port); `0.0.0.0/0` / `::/0` refused unless `allowSshFromAnywhere` is `true`",
    };
    public static readonly ConfigKey AllowSshFromAnywhere = new() { Name = "allowSshFromAnywhere", Fallback = "false", Doc = "lets `adminCidrs` hold `0.0.0.0/0` or `::/0`" };
    public static readonly ConfigKey DnsLabel = new()
    {
        Name = "relayDnsLabel", DefaultText = "`voice-edge-<stack>`", Doc = "Azure public IP DNS label (must be unique in the region)",
        Pattern = ConfigPatterns.DnsLabel, Rule = "must be 3-63 lowercase letters, digits or `-`, starting with a letter (Azure DNS label)",
    };
    public static readonly ConfigKey RelayUrl = new() { Name = "relayUrl", DefaultText = "required (preview)", Doc = "the dev relay's `https://` base URL" };
    public static readonly ConfigKey WorkersDevSubdomain = new()
    {
        Name = "workersDevSubdomain", DefaultText = "required (preview)", Doc = "the account's workers.dev subdomain",
        Pattern = ConfigPatterns.DnsLabel, Rule = "must be the account's workers.dev subdomain (the `<sub>` in <worker>.<sub>.workers.dev)",
    };

    public static readonly ConfigKey RelaySigningKey = new() { Name = "relaySigningKey", Secret = true, DefaultText = Required, Doc = "the key the Worker signs relay tokens with and the relay checks them with" };
    public static readonly ConfigKey RelaySigningKeyNext = new()
    {
        Name = "relaySigningKeyNext", Secret = true, DefaultText = "unset", RefusedInPreview = true,
        Doc = "rotation step 1, full stacks only: the new signing key, which the relay accepts beside `relaySigningKey` before the Worker signs with it (docs/operations.md \"Rotating the signing key\")",
    };
    public static readonly ConfigKey RelaySigningKeyPrevious = new()
    {
        Name = "relaySigningKeyPrevious", Secret = true, DefaultText = "unset", RefusedInPreview = true,
        Doc = "rotation step 2, full stacks only: the old signing key, which the relay still accepts while the Worker moves to the new `relaySigningKey`; remove it in step 3",
    };
    public static readonly ConfigKey AuthJwtSecret = new() { Name = "authJwtSecret", Secret = true, DefaultText = Required, Doc = "the Worker's HS256 secret for browser tokens" };
    public static readonly ConfigKey TwilioAuthToken = new() { Name = "twilioAuthToken", Secret = true, DefaultText = RequiredFull, Doc = "the relay checks Twilio's request signatures with it" };
    public static readonly ConfigKey TwilioWebhookSharedKey = new()
    {
        Name = "twilioWebhookSharedKey", Secret = true, DefaultText = "unset",
        Doc = "optional, full stacks only: a Twilio Webhook Setting's SharedKey, for webhooks signed under a Webhook Rule (HMAC-SHA256), the relay's `Relay__TwilioWebhookSharedKey`; unset, such webhooks get 503",
    };
    public static readonly ConfigKey AlertWebhookUrl = new()
    {
        Name = "alertWebhookUrl", Secret = true, DefaultText = "required in the zone owner",
        Doc = "the Azure action group's webhook on every plan, and the Cloudflare notification webhook on Pro and above; optional elsewhere",
    };

    /// <summary>Every key, in the README's order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        Kind, AccountId, ZoneId, ZoneName, OwnsZone, ZonePlan, PublicHost, RoutePrefix, RelayRecord, WorkerName,
        AllowedOrigins, AuthJwksUrl, AuthIssuer, AuthAudience, VoiceBackends, VoiceQueryKeys, TwilioUpstream, TwilioMode, TwilioAccountSid, RateLimitRequests,
        RateLimitPeriod, RateLimitMitigation, RateLimitRulesetId, RateLimitKeptRules, OriginErrorSlo, AlertEmails,
        AzureLocation, VmSize, AdminUsername, SshPublicKey, AdminCidrs, AllowSshFromAnywhere, DnsLabel, RelayUrl,
        WorkersDevSubdomain, RelaySigningKey, RelaySigningKeyNext, RelaySigningKeyPrevious, AuthJwtSecret, TwilioAuthToken, TwilioWebhookSharedKey, AlertWebhookUrl,
    ];

    /// <summary>Fixed by the schema: these must be <c>secure:</c> and are only ever referenced, never inlined.</summary>
    public static readonly IReadOnlyList<string> Secrets = [.. All.Where(k => k.Secret).Select(k => k.Qualified)];

    public static readonly IReadOnlySet<string> Known = All.Select(k => k.Qualified).ToHashSet();

    /// <summary>Keys earlier versions used, with why they went and what to do, so an old stack file gets a useful line.</summary>
    public static readonly IReadOnlyDictionary<string, string> Retired = new Dictionary<string, string>
    {
        ["voice-edge:sshPrivateKey"] = "is no longer used: the relay deploys through an Azure Run Command with no inbound SSH",
    };

    /// <summary>A key replaced by another: read only to say how to rewrite it (<see cref="VoiceBackendRules"/>), never used.</summary>
    public const string RetiredVoiceUpstream = "voice-edge:voiceUpstream";

    /// <summary>The key without its namespace, as a Pulumi YAML program names a project config value.</summary>
    public static string Unqualified(string key) => key[(key.IndexOf(':') + 1)..];
}
