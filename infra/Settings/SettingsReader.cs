using System.Net;
using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// Turns one stack's config (plus the other committed stacks, for the rules that span stacks) into
/// validated <see cref="StackSettings"/>, or every problem found, one per line, before anything is emitted.
/// </summary>
public static partial class SettingsReader
{
    public static StackSettings Read(StackConfig config, IReadOnlyList<StackConfig> otherStacks)
    {
        var r = new Reader(config);
        var stack = config.StackName;

        foreach (var key in config.Values.Keys.Where(k => k.StartsWith(ConfigKeys.Namespace + ":", StringComparison.Ordinal)))
        {
            if (ConfigKeys.Retired.TryGetValue(key, out var why))
                r.Problem(key, why, $"remove it: `pulumi config rm {ConfigKeys.Unqualified(key)} -s {stack}`");
            else if (!ConfigKeys.Known.Contains(key))
                r.Problem(key, "is not a voice-edge setting", "remove it or fix its spelling (see infra/README.md for every key)");
        }
        foreach (var key in ConfigKeys.Secrets)
        {
            if (config.Get(key) is { IsSecure: false })
                r.Problem(key, "is a secret but is stored in plain text", $"remove it and run `pulumi config set --secret {ConfigKeys.Unqualified(key)} <value> -s {stack}`");
        }

        var kind = r.Choice(ConfigKeys.Kind, "full", ["full", "preview"]) == "preview" ? StackKind.Preview : StackKind.Full;
        var accountId = r.Required(ConfigKeys.AccountId, HexId, "must be the 32-character hex Cloudflare account id (dashboard: Account home > Account ID)");
        var prefix = r.Optional(ConfigKeys.RoutePrefix, "/voice", RoutePrefixPattern, "must start with `/`, not end with `/`, and use only letters, digits, `-`, `_` and `/` (e.g. /voice)");
        var workerName = r.Optional(ConfigKeys.WorkerName, $"voice-edge-{stack}", WorkerNamePattern, "must be 1-63 lowercase letters, digits or `-` (a Worker script name)");
        var jwksUrl = r.OptionalUrl(ConfigKeys.AuthJwksUrl, ["https"]);
        var issuer = r.Raw(ConfigKeys.AuthIssuer);
        var audience = r.Raw(ConfigKeys.AuthAudience);

        EdgeSettings? edge = null;
        ZoneSettings? zone = null;
        RelayHostSettings? host = null;
        PreviewSettings? preview = null;
        MonitoringSettings? monitoring = null;
        string defaultOrigin;

        r.RequireSecret(ConfigKeys.RelaySigningKey);
        r.RequireSecret(ConfigKeys.AuthJwtSecret);

        if (kind == StackKind.Preview)
        {
            var relayUrl = r.RequiredUrl(ConfigKeys.RelayUrl, ["https"], "the dev relay's base URL, e.g. https://ws-dev.example.com");
            var subdomain = r.Required(ConfigKeys.WorkersDevSubdomain, DnsLabelPattern, "must be the account's workers.dev subdomain (the `<sub>` in <worker>.<sub>.workers.dev)");
            preview = new PreviewSettings(relayUrl.TrimEnd('/'), subdomain);
            defaultOrigin = $"https://{workerName}.{subdomain}.workers.dev";
            foreach (var key in new[] { ConfigKeys.ZoneId, ConfigKeys.OwnsZone, ConfigKeys.SshPublicKey, ConfigKeys.AdminCidrs })
            {
                if (config.Get(key) is not null)
                    r.Problem(key, "is set but a preview stack has no zone resources and no VM", "remove it from the preview stack");
            }
        }
        else
        {
            var zoneId = r.Required(ConfigKeys.ZoneId, HexId, "must be the 32-character hex zone id (dashboard: the zone's Overview > Zone ID)");
            var zoneName = r.Required(ConfigKeys.ZoneName, DomainPattern, "must be the zone's domain name, e.g. example.com").ToLowerInvariant();
            var publicHost = r.Optional(ConfigKeys.PublicHost, zoneName, DomainPattern, "must be a host name in the zone, e.g. example.com").ToLowerInvariant();
            if (r.IsValid(ConfigKeys.ZoneName) && !InZone(publicHost, zoneName))
                r.Problem(ConfigKeys.PublicHost, $"`{ConfigText.Show(publicHost)}` is outside the zone {zoneName}", $"use {zoneName} or a name ending in .{zoneName}");
            var record = r.Optional(ConfigKeys.RelayRecord, "ws", RecordPattern, "must be a DNS label (ws) or a name in the zone (ws.example.com)").ToLowerInvariant();
            var recordFqdn = record.Contains('.') ? record : $"{record}.{zoneName}";
            if (r.IsValid(ConfigKeys.ZoneName) && !InZone(recordFqdn, zoneName))
                r.Problem(ConfigKeys.RelayRecord, $"`{ConfigText.Show(record)}` is outside the zone {zoneName}", $"use a label such as `ws` or a name ending in .{zoneName}");
            if (recordFqdn == publicHost)
                r.Problem(ConfigKeys.RelayRecord, $"`{ConfigText.Show(recordFqdn)}` is the public host; the relay record must be its own DNS-only name", "use a separate label such as `ws`");
            var voiceUpstream = r.VoiceBackendUrl(ConfigKeys.VoiceUpstream, required: true);
            var twilioUpstream = r.VoiceBackendUrl(ConfigKeys.TwilioUpstream, required: false) ?? TwilioBesideVoice(voiceUpstream);
            edge = new EdgeSettings(zoneId, zoneName, publicHost, recordFqdn, voiceUpstream ?? "", twilioUpstream);
            defaultOrigin = $"https://{publicHost}";

            r.RequireSecret(ConfigKeys.TwilioAuthToken);
            var emails = r.EmailList(ConfigKeys.AlertEmails);

            // No admin CIDRs, no SSH rule: deploys need no inbound port, so SSH is only for humans who ask for it.
            var cidrs = r.CidrList(ConfigKeys.AdminCidrs, r.Bool(ConfigKeys.AllowSshFromAnywhere, false));
            host = new RelayHostSettings(
                Location: r.Optional(ConfigKeys.AzureLocation, "westeurope", AzureLocationPattern, "must be an Azure region name such as westeurope or eastus2"),
                VmSize: r.Optional(ConfigKeys.VmSize, "Standard_B2s", VmSizePattern, "must be an Azure VM size such as Standard_B2s"),
                AdminUsername: r.AdminUsername(),
                SshPublicKey: r.Required(ConfigKeys.SshPublicKey, SshPublicKeyPattern, "must be an OpenSSH public key line (ssh-ed25519 AAAA... or ssh-rsa AAAA...)"),
                AdminCidrs: cidrs,
                DnsLabel: r.Optional(ConfigKeys.DnsLabel, $"voice-edge-{stack}", DnsLabelPattern, "must be 3-63 lowercase letters, digits or `-`, starting with a letter (Azure DNS label)"),
                AlertEmails: emails);

            if (r.Bool(ConfigKeys.OwnsZone, false))
            {
                r.RequireSecret(ConfigKeys.AlertWebhookUrl);
                var plan = r.Choice(ConfigKeys.ZonePlan, "free", ["free", "pro", "business", "enterprise"]) switch
                {
                    "pro" => ZonePlan.Pro,
                    "business" => ZonePlan.Business,
                    "enterprise" => ZonePlan.Enterprise,
                    _ => ZonePlan.Free,
                };
                var requests = r.Int(ConfigKeys.RateLimitRequests, 10, 1, 1_000_000);
                var period = r.Int(ConfigKeys.RateLimitPeriod, 10, 1, 86400);
                var mitigation = r.Int(ConfigKeys.RateLimitMitigation, 10, 0, 86400);
                var periods = RateLimitPlanRules.AllowedPeriods(plan);
                if (r.IsValid(ConfigKeys.RateLimitPeriod) && !periods.Contains(period))
                    r.Problem(ConfigKeys.RateLimitPeriod, $"{period} s is not allowed on the {plan} plan", $"use one of {string.Join(", ", periods)} (seconds)");
                var timeouts = RateLimitPlanRules.AllowedMitigationTimeouts(plan);
                if (r.IsValid(ConfigKeys.RateLimitMitigation) && !timeouts.Contains(mitigation))
                    r.Problem(ConfigKeys.RateLimitMitigation, $"{mitigation} s is not allowed on the {plan} plan", $"use one of {string.Join(", ", timeouts)} (seconds)");
                var adoptedRuleset = r.OptionalRaw(ConfigKeys.RateLimitRulesetId, HexId, "must be the 32-character hex id of the zone's existing http_ratelimit entry-point ruleset (GET /zones/<zone id>/rulesets/phases/http_ratelimit/entrypoint, or `infra/voice-edge preflight`)");
                zone = new ZoneSettings(plan, requests, period, mitigation, VoicePaths(config, otherStacks, zoneId, prefix), emails)
                {
                    RateLimitRulesetId = adoptedRuleset,
                    KeptRateLimitRules = RateLimitAdoption.KeptRules(r, plan, adopting: r.Raw(ConfigKeys.RateLimitRulesetId) is not null),
                    OriginErrorSlo = PlanRules.OriginErrorSlo(r, plan),
                };

                foreach (var other in otherStacks.Where(o => OwnsZone(o) && o.Get(ConfigKeys.ZoneId)?.Text == zoneId))
                    r.Problem(ConfigKeys.OwnsZone, $"{StackConfigSources.StackFileName(other.StackName)} also owns zone {zoneId}; two stacks managing one zone's settings would fight forever", "set voice-edge:ownsZone to true in exactly one stack");
            }
            else
            {
                foreach (var key in new[] { ConfigKeys.ZonePlan, ConfigKeys.RateLimitRequests, ConfigKeys.RateLimitPeriod, ConfigKeys.RateLimitMitigation, ConfigKeys.RateLimitRulesetId, ConfigKeys.RateLimitKeptRules, ConfigKeys.OriginErrorSlo })
                {
                    if (config.Get(key) is not null)
                        r.Problem(key, "only applies to the stack that owns the zone", $"move it to the stack with voice-edge:ownsZone true, or remove it");
                }
            }

            monitoring = new MonitoringSettings(emails, HasAlertWebhook: config.Get(ConfigKeys.AlertWebhookUrl) is not null);

            var route = edge.RoutePattern(prefix);
            foreach (var other in otherStacks.Where(o => r.IsValid(ConfigKeys.RoutePrefix) && o.Get(ConfigKeys.ZoneId)?.Text == zoneId && RoutePatternOf(o) == route))
                r.Problem(ConfigKeys.RoutePrefix, $"route {route} is also used by {StackConfigSources.StackFileName(other.StackName)}", "give each environment sharing a zone its own voice-edge:routePrefix or voice-edge:publicHost");
        }

        var origins = r.OriginList(ConfigKeys.AllowedOrigins, defaultOrigin);
        r.ThrowIfAny();

        return new StackSettings
        {
            StackName = stack,
            Kind = kind,
            AccountId = accountId,
            WorkerName = workerName,
            RoutePrefix = prefix,
            AllowedOrigins = origins,
            AuthJwksUrl = jwksUrl,
            AuthIssuer = issuer,
            AuthAudience = audience,
            Edge = edge,
            Zone = zone,
            RelayHost = host,
            Preview = preview,
            Monitoring = monitoring,
        };
    }

    private static bool OwnsZone(StackConfig c) => string.Equals(c.Get(ConfigKeys.OwnsZone)?.Text, "true", StringComparison.OrdinalIgnoreCase);

    private static bool IsFull(StackConfig c) => (c.Get(ConfigKeys.Kind)?.Text ?? "full") == "full";

    private static string? RoutePatternOf(StackConfig c)
    {
        if (!IsFull(c)) return null;
        var zone = c.Get(ConfigKeys.ZoneName)?.Text?.ToLowerInvariant();
        var host = c.Get(ConfigKeys.PublicHost)?.Text?.ToLowerInvariant() ?? zone;
        var prefix = c.Get(ConfigKeys.RoutePrefix)?.Text ?? "/voice";
        return host is null ? null : $"{host}{prefix}/*";
    }

    /// <summary>The voice WebSocket path of every committed full stack on this zone: one rate limit covers them all.</summary>
    private static IReadOnlyList<string> VoicePaths(StackConfig self, IReadOnlyList<StackConfig> others, string zoneId, string prefix)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal) { $"{prefix}/ws" };
        foreach (var other in others.Where(o => IsFull(o) && o.Get(ConfigKeys.ZoneId)?.Text == zoneId && o.StackName != self.StackName))
        {
            var otherPrefix = other.Get(ConfigKeys.RoutePrefix)?.Text ?? "/voice";
            if (RoutePrefixPattern().IsMatch(otherPrefix)) paths.Add($"{otherPrefix}/ws");
        }
        return [.. paths];
    }

    /// <summary>The Twilio media-stream endpoint of the same backend: its origin with the /twilio path.</summary>
    private static string TwilioBesideVoice(string? voice) =>
        voice is null ? "" : new UriBuilder(voice) { Path = "/twilio", Query = "" }.Uri.ToString().TrimEnd('/');

    private static bool IsPrivateAddress(string host)
    {
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return false;
        if (ip.IsIPv6UniqueLocal) return true;
        var b = ip.GetAddressBytes();
        return b.Length == 4 && (b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168));
    }

    internal static bool InZone(string name, string zone) =>
        name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);

    [GeneratedRegex("^[0-9a-f]{32}$")] internal static partial Regex HexId();
    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase)] internal static partial Regex DomainPattern();
    [GeneratedRegex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.IgnoreCase)] internal static partial Regex RecordPattern();
    [GeneratedRegex("^(/[A-Za-z0-9_-]+)+$")] internal static partial Regex RoutePrefixPattern();
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")] internal static partial Regex WorkerNamePattern();
    [GeneratedRegex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$")] internal static partial Regex DnsLabelPattern();
    [GeneratedRegex("^[a-z][a-z0-9]{2,30}$")] internal static partial Regex AzureLocationPattern();
    [GeneratedRegex("^Standard_[A-Za-z0-9_]+$")] internal static partial Regex VmSizePattern();
    [GeneratedRegex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$")] internal static partial Regex SshPublicKeyPattern();
    [GeneratedRegex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$")] internal static partial Regex EmailPattern();
    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")] internal static partial Regex UsernamePattern();

    /// <summary>Collects problems while reading values, so one run reports all of them.</summary>
    internal sealed class Reader(StackConfig config)
    {
        private readonly List<ConfigProblem> _problems = [];
        private readonly HashSet<string> _invalid = [];

        public void Problem(string key, string problem, string fix)
        {
            _invalid.Add(key);
            _problems.Add(new ConfigProblem(config.Source, key, problem, fix));
        }

        public bool IsValid(string key) => !_invalid.Contains(key);

        public void ThrowIfAny()
        {
            if (_problems.Count > 0) throw new InvalidConfigException(_problems);
        }

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

        public string Required(string key, Func<Regex> pattern, string rule)
        {
            var value = Raw(key);
            if (value is null) { Problem(key, "is missing", SetHint(key)); return ""; }
            if (!pattern().IsMatch(value)) { Problem(key, $"`{ConfigText.Show(value)}` is not valid: it {rule}", SetHint(key)); return ""; }
            return value;
        }

        public string? OptionalRaw(string key, Func<Regex> pattern, string rule)
        {
            var value = Raw(key);
            if (value is null) return null;
            if (!pattern().IsMatch(value)) { Problem(key, $"`{ConfigText.Show(value)}` is not valid: it {rule}", SetHint(key)); return null; }
            return value;
        }

        public string Optional(string key, string fallback, Func<Regex> pattern, string rule)
        {
            var value = Raw(key);
            if (value is null) return fallback;
            if (!pattern().IsMatch(value)) { Problem(key, $"`{ConfigText.Show(value)}` is not valid: it {rule}", SetHint(key)); return fallback; }
            return value;
        }

        public string Choice(string key, string fallback, string[] allowed)
        {
            var value = Raw(key)?.ToLowerInvariant();
            if (value is null) return fallback;
            if (!allowed.Contains(value)) { Problem(key, $"`{ConfigText.Show(value)}` is not one of {string.Join(", ", allowed)}", SetHint(key)); return fallback; }
            return value;
        }

        public bool Bool(string key, bool fallback)
        {
            var value = Raw(key)?.ToLowerInvariant();
            if (value is null) return fallback;
            if (value is "true" or "false") return value == "true";
            Problem(key, $"`{ConfigText.Show(value)}` is not true or false", SetHint(key));
            return fallback;
        }

        public int Int(string key, int fallback, int min, int max)
        {
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

        /// <summary>
        /// The voice backend (PersonaPlex) runs on a GPU host, never on the relay VM (a GPU-less B-series), so a
        /// loopback URL is refused; a remote backend is reached over wss://, or ws:// only to a private address.
        /// </summary>
        public string? VoiceBackendUrl(string key, bool required)
        {
            const string example = "wss://gpu.example.com:8998/api/chat";
            var value = Raw(key);
            if (value is null)
            {
                if (required) Problem(key, $"is missing: the relay needs the voice backend (PersonaPlex on a GPU host), e.g. {example}", SetHint(key));
                return null;
            }
            if (!CheckUrl(key, value, ["ws", "wss"])) return null;
            var uri = new Uri(value);
            if (uri.IsLoopback || uri.Host is "0.0.0.0" or "[::]")
            {
                Problem(key, $"`{ConfigText.Show(value)}` points at the relay VM itself, which has no GPU to run the voice backend", $"use the remote GPU host over wss://, e.g. {example}: {SetHint(key)}");
                return null;
            }
            if (uri.Scheme == "ws" && !IsPrivateAddress(uri.Host))
            {
                Problem(key, $"`{ConfigText.Show(value)}` would carry call audio unencrypted over the internet", $"use wss:// (ws:// only to a private address in the VM's network): {SetHint(key)}");
                return null;
            }
            return value;
        }

        public List<string> EmailList(string key)
        {
            var value = Raw(key);
            if (value is null) { Problem(key, "is missing (comma-separated alert email addresses)", SetHint(key)); return []; }
            var emails = Split(value);
            foreach (var bad in emails.Where(e => !EmailPattern().IsMatch(e)))
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
            var name = Optional(ConfigKeys.AdminUsername, "voiceedge", UsernamePattern, "must be a Linux user name (lowercase letters, digits, `_`, `-`)");
            if (name is "root" or "admin" or "administrator")
            {
                Problem(ConfigKeys.AdminUsername, $"`{ConfigText.Show(name)}` is reserved by Azure", SetHint(ConfigKeys.AdminUsername));
            }
            return name;
        }

        private static List<string> Split(string value) =>
            [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
