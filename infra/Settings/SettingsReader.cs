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
            try { settings.Add(Checked(reading, [.. readings.Where(o => !ReferenceEquals(o, reading))])); }
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
        var r = new ConfigReader(config);
        var stack = config.StackName;

        foreach (var key in config.Values.Keys.Where(k => k.StartsWith(ConfigKeys.Namespace + ":", StringComparison.Ordinal)))
        {
            if (key == ConfigKeys.RetiredVoiceUpstream)
            {
                var (problem, fix) = VoiceBackendRules.RetiredUpstream(r.Raw(key), config.Source);
                r.Problem(key, problem, fix);
            }
            else if (ConfigKeys.Retired.TryGetValue(key, out var why))
                r.Problem(key, why, $"remove it: `pulumi config rm {ConfigKeys.Unqualified(key)} -s {stack}`");
            else if (!ConfigKeys.Known.Contains(key))
                r.Problem(key, "is not a voice-edge setting", "remove it or fix its spelling (see infra/README.md for every key)");
        }
        foreach (var key in ConfigKeys.Secrets)
        {
            if (config.Get(key) is { IsSecure: false })
                r.Problem(key, "is a secret but is stored in plain text", $"remove it and run `pulumi config set --secret {ConfigKeys.Unqualified(key)} <value> -s {stack}`");
        }

        var common = new StackSettings
        {
            StackName = stack,
            Kind = r.Choice(ConfigKeys.Kind) == "preview" ? StackKind.Preview : StackKind.Full,
            AccountId = r.Required(ConfigKeys.AccountId),
            RoutePrefix = r.Optional(ConfigKeys.RoutePrefix),
            WorkerName = r.Optional(ConfigKeys.WorkerName, $"voice-edge-{stack}"),
            AuthJwksUrl = r.OptionalUrl(ConfigKeys.AuthJwksUrl, ["https"]),
            AuthIssuer = r.Raw(ConfigKeys.AuthIssuer),
            AuthAudience = r.Raw(ConfigKeys.AuthAudience),
            AllowedOrigins = [],
        };
        r.RequireSecret(ConfigKeys.RelaySigningKey);
        r.RequireSecret(ConfigKeys.AuthJwtSecret);

        var settings = common.Kind == StackKind.Preview ? WithPreview(r, config, common) : WithFullStack(r, config, common);
        var defaultOrigin = settings.Preview is { } preview
            ? $"https://{settings.WorkerName}.{preview.WorkersDevSubdomain}.workers.dev"
            : $"https://{settings.Edge!.PublicHost}";
        return r.Reading(settings with { AllowedOrigins = r.OriginList(ConfigKeys.AllowedOrigins, defaultOrigin) });
    }

    /// <summary>The Worker alone on workers.dev, bound to an existing relay: no zone, no VM.</summary>
    private static StackSettings WithPreview(ConfigReader r, StackConfig config, StackSettings s)
    {
        var relayUrl = r.RequiredUrl(ConfigKeys.RelayUrl, ["https"], "the dev relay's base URL, e.g. https://ws-dev.example.com");
        var subdomain = r.Required(ConfigKeys.WorkersDevSubdomain);
        foreach (var key in ConfigKeys.All.Where(k => k.RefusedInPreview))
        {
            if (config.Get(key) is not null)
                r.Problem(key, "is set but a preview stack has no zone resources and no VM", "remove it from the preview stack");
        }
        return s with { Preview = new PreviewSettings(relayUrl.TrimEnd('/'), subdomain) };
    }

    /// <summary>The edge, the relay host and its monitoring; the zone's own resources when the stack owns it.</summary>
    private static StackSettings WithFullStack(ConfigReader r, StackConfig config, StackSettings s)
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
        var backends = VoiceBackendRules.Backends(r, config.Source);
        var queryKeys = VoiceBackendRules.QueryKeys(r, config.Source, backends);
        var twilioUpstream = r.VoiceBackendUrl(ConfigKeys.TwilioUpstream) ?? TwilioBesideVoice(backends.Count > 0 ? backends[0].Url : null);

        // Twilio's webhook and stream are checked with both: the account SID (config) and the auth token (a secret).
        var twilioAccountSid = r.Required(ConfigKeys.TwilioAccountSid);
        r.RequireSecret(ConfigKeys.TwilioAuthToken);
        var emails = r.EmailList(ConfigKeys.AlertEmails);
        var rotation = SigningKeyRotation(r, config);

        // The relay's resource group is `voice-edge-<stack>`: azurerm refuses a group name over 90 characters
        // (go-azure-helpers resourcemanager/resourcegroups/validate.go:15-17; infra/Contracts/AzureContracts.cs).
        if ($"voice-edge-{s.StackName}".Length > 90)
            r.Problem("stack name", $"the relay's resource group would be `voice-edge-{s.StackName}`, longer than the 90 characters Azure allows",
                "use a stack name of at most 79 characters");

        // No admin CIDRs, no SSH rule: deploys need no inbound port, so SSH is only for humans who ask for it.
        var cidrs = r.CidrList(ConfigKeys.AdminCidrs, r.Bool(ConfigKeys.AllowSshFromAnywhere));
        var host = new RelayHostSettings(
            Location: r.Optional(ConfigKeys.AzureLocation),
            VmSize: r.Optional(ConfigKeys.VmSize),
            AdminUsername: r.AdminUsername(),
            SshPublicKey: r.Required(ConfigKeys.SshPublicKey),
            AdminCidrs: cidrs,
            DnsLabel: r.Optional(ConfigKeys.DnsLabel, $"voice-edge-{s.StackName}"),
            AlertEmails: emails);

        return s with
        {
            Edge = new EdgeSettings(zoneId, zoneName, publicHost, recordFqdn, backends, twilioUpstream, r.Choice(ConfigKeys.TwilioMode))
            {
                VoiceQueryKeys = queryKeys,
                TwilioAccountSid = twilioAccountSid,
                HasTwilioWebhookSharedKey = config.Get(ConfigKeys.TwilioWebhookSharedKey) is not null,
                SigningKeyRotation = rotation,
            },
            RelayHost = host,
            Zone = ZoneOwnerSettings(r, config, s.RoutePrefix, emails),
            Monitoring = new MonitoringSettings(emails, HasAlertWebhook: config.Get(ConfigKeys.AlertWebhookUrl) is not null),
        };
    }

    /// <summary>
    /// Which step of a signing-key rotation the stack is in (docs/operations.md "Rotating the signing key"). The values
    /// are ciphertext here, so only their presence is checked; the relay refuses to start with an extra key equal to
    /// its current one, which fails the deploy's install.
    /// </summary>
    private static SigningKeyRotation SigningKeyRotation(ConfigReader r, StackConfig config)
    {
        var next = config.Get(ConfigKeys.RelaySigningKeyNext) is not null;
        var previous = config.Get(ConfigKeys.RelaySigningKeyPrevious) is not null;
        if (next && previous)
        {
            r.Problem(ConfigKeys.RelaySigningKeyPrevious, "is set together with relaySigningKeyNext, but they are two steps of one rotation",
                $"step 1 sets only relaySigningKeyNext; step 2 moves it to relaySigningKey, sets relaySigningKeyPrevious to the old key and removes relaySigningKeyNext (`pulumi config rm relaySigningKeyNext -s {config.StackName}`)");
            return Settings.SigningKeyRotation.None;
        }
        return next ? Settings.SigningKeyRotation.AcceptingNext : previous ? Settings.SigningKeyRotation.AcceptingPrevious : Settings.SigningKeyRotation.None;
    }

    /// <summary>The zone's rate limit and plan, only in the stack that owns the zone; elsewhere those keys are refused.</summary>
    private static ZoneSettings? ZoneOwnerSettings(ConfigReader r, StackConfig config, string prefix, IReadOnlyList<string> emails)
    {
        if (!r.Bool(ConfigKeys.OwnsZone))
        {
            foreach (var key in ConfigKeys.All.Where(k => k.ZoneOwnerOnly))
            {
                if (config.Get(key) is not null)
                    r.Problem(key, "only applies to the stack that owns the zone", $"move it to the stack with voice-edge:ownsZone true, or remove it");
            }
            return null;
        }

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
        return new ZoneSettings(plan, requests, period, mitigation, [$"{prefix}/ws"], emails)
        {
            RateLimitRulesetId = adoptedRuleset,
            KeptRateLimitRules = RateLimitAdoption.KeptRules(r, plan, adopting: r.Raw(ConfigKeys.RateLimitRulesetId) is not null),
            OriginErrorSlo = PlanRules.OriginErrorSlo(r, plan),
        };
    }

    /// <summary>The Twilio media-stream endpoint of the same backend: its origin with the /twilio path.</summary>
    private static string TwilioBesideVoice(string? voice) =>
        voice is null ? "" : new UriBuilder(voice) { Path = "/twilio", Query = "" }.Uri.ToString().TrimEnd('/');

    internal static bool InZone(string name, string zone) =>
        name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);
}
