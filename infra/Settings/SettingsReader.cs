using System.Net;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// Turns one stack's config (plus the other committed stacks, for the rules that span stacks) into
/// validated <see cref="StackSettings"/>, or every problem found, one per line, before anything is emitted.
/// </summary>
public static class SettingsReader
{
    /// <summary>Reads one stack alone, then checks it against the other stacks; every problem of both at once.</summary>
    public static StackSettings Read(StackConfig config, IReadOnlyList<StackConfig> otherStacks) =>
        Checked(ReadAlone(config), [.. otherStacks.Select(ReadAlone)]);

    /// <summary>Every stack read alone once, then the rules between them: all problems of all stacks, or every stack's settings.</summary>
    public static IReadOnlyList<StackSettings> ReadAll(IReadOnlyList<StackConfig> stacks)
    {
        var readings = stacks.Select(ReadAlone).ToList();
        var problems = new List<ConfigProblem>();
        var settings = new List<StackSettings>();
        foreach (var reading in readings)
        {
            try { settings.Add(Checked(reading, [.. readings.Where(o => o != reading)])); }
            catch (InvalidConfigException e) { problems.AddRange(e.Problems); }
        }
        if (problems.Count > 0) throw new InvalidConfigException(problems);
        return settings;
    }

    private static StackSettings Checked(StackReading self, IReadOnlyList<StackReading> others)
    {
        var (settings, crossProblems) = CrossStackRules.Apply(self, others);
        var problems = self.Problems.Concat(crossProblems).ToList();
        if (problems.Count > 0) throw new InvalidConfigException(problems);
        return settings;
    }

    /// <summary>
    /// One stack's config, validated on its own: its settings (a key's default where its value is invalid) and its
    /// problems. The zone's voice paths hold only its own until <see cref="CrossStackRules"/>.
    /// </summary>
    public static StackReading ReadAlone(StackConfig config)
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

        var kind = r.Choice(ConfigKeys.Kind) == "preview" ? StackKind.Preview : StackKind.Full;
        var accountId = r.Required(ConfigKeys.AccountId);
        var prefix = r.Optional(ConfigKeys.RoutePrefix);
        var workerName = r.Optional(ConfigKeys.WorkerName, $"voice-edge-{stack}");
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
            var subdomain = r.Required(ConfigKeys.WorkersDevSubdomain);
            preview = new PreviewSettings(relayUrl.TrimEnd('/'), subdomain);
            defaultOrigin = $"https://{workerName}.{subdomain}.workers.dev";
            foreach (var key in ConfigKeys.All.Where(k => k.RefusedInPreview))
            {
                if (config.Get(key) is not null)
                    r.Problem(key, "is set but a preview stack has no zone resources and no VM", "remove it from the preview stack");
            }
        }
        else
        {
            var zoneId = r.Required(ConfigKeys.ZoneId);
            var zoneName = r.Required(ConfigKeys.ZoneName).ToLowerInvariant();
            var publicHost = r.Optional(ConfigKeys.PublicHost, zoneName).ToLowerInvariant();
            if (r.IsValid(ConfigKeys.ZoneName) && !InZone(publicHost, zoneName))
                r.Problem(ConfigKeys.PublicHost, $"`{ConfigText.Show(publicHost)}` is outside the zone {zoneName}", $"use {zoneName} or a name ending in .{zoneName}");
            var record = r.Optional(ConfigKeys.RelayRecord).ToLowerInvariant();
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
            var cidrs = r.CidrList(ConfigKeys.AdminCidrs, r.Bool(ConfigKeys.AllowSshFromAnywhere));
            host = new RelayHostSettings(
                Location: r.Optional(ConfigKeys.AzureLocation),
                VmSize: r.Optional(ConfigKeys.VmSize),
                AdminUsername: r.AdminUsername(),
                SshPublicKey: r.Required(ConfigKeys.SshPublicKey),
                AdminCidrs: cidrs,
                DnsLabel: r.Optional(ConfigKeys.DnsLabel, $"voice-edge-{stack}"),
                AlertEmails: emails);

            if (r.Bool(ConfigKeys.OwnsZone))
            {
                r.RequireSecret(ConfigKeys.AlertWebhookUrl);
                var plan = Enum.Parse<ZonePlan>(r.Choice(ConfigKeys.ZonePlan), ignoreCase: true);
                var requests = r.Int(ConfigKeys.RateLimitRequests);
                var period = r.Int(ConfigKeys.RateLimitPeriod);
                var mitigation = r.Int(ConfigKeys.RateLimitMitigation);
                var periods = RateLimitPlanRules.AllowedPeriods(plan);
                if (r.IsValid(ConfigKeys.RateLimitPeriod) && !periods.Contains(period))
                    r.Problem(ConfigKeys.RateLimitPeriod, $"{period} s is not allowed on the {plan} plan", $"use one of {string.Join(", ", periods)} (seconds)");
                var timeouts = RateLimitPlanRules.AllowedMitigationTimeouts(plan);
                if (r.IsValid(ConfigKeys.RateLimitMitigation) && !timeouts.Contains(mitigation))
                    r.Problem(ConfigKeys.RateLimitMitigation, $"{mitigation} s is not allowed on the {plan} plan", $"use one of {string.Join(", ", timeouts)} (seconds)");
                var adoptedRuleset = r.OptionalMatch(ConfigKeys.RateLimitRulesetId);
                zone = new ZoneSettings(plan, requests, period, mitigation, [$"{prefix}/ws"], emails)
                {
                    RateLimitRulesetId = adoptedRuleset,
                    KeptRateLimitRules = RateLimitAdoption.KeptRules(r, plan, adopting: r.Raw(ConfigKeys.RateLimitRulesetId) is not null),
                    OriginErrorSlo = PlanRules.OriginErrorSlo(r, plan),
                };
            }
            else
            {
                foreach (var key in ConfigKeys.All.Where(k => k.ZoneOwnerOnly))
                {
                    if (config.Get(key) is not null)
                        r.Problem(key, "only applies to the stack that owns the zone", $"move it to the stack with voice-edge:ownsZone true, or remove it");
                }
            }

            monitoring = new MonitoringSettings(emails, HasAlertWebhook: config.Get(ConfigKeys.AlertWebhookUrl) is not null);
        }

        var origins = r.OriginList(ConfigKeys.AllowedOrigins, defaultOrigin);

        return r.Reading(new StackSettings
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
        });
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
    }
}
