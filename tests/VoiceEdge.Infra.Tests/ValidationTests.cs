using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>Every validation rule, each with a config that breaks it: the problem names the file, the key and the fix.</summary>
public class ValidationTests
{
    private static ConfigProblem SingleProblem(StackConfig config, string key)
    {
        var problems = Stacks.Problems(config);
        var problem = Assert.Single(problems, p => p.Key == key);
        Assert.StartsWith($"Pulumi.{config.StackName}.yaml: {key}: ", problem.ToString());
        Assert.False(string.IsNullOrWhiteSpace(problem.Fix));
        return problem;
    }

    [Fact]
    public void The_committed_stacks_are_valid()
    {
        foreach (var stack in Stacks.Catalog.CommittedStacks())
            Assert.Empty(Stacks.Problems(stack));
        Assert.Empty(Stacks.Problems(Stacks.Catalog.Load("pr-1")));
    }

    [Theory]
    [InlineData("voice-edge:cloudflareAccountId")]
    [InlineData("voice-edge:cloudflareZoneId")]
    [InlineData("voice-edge:zoneName")]
    [InlineData("voice-edge:sshPublicKey")]
    [InlineData("voice-edge:voiceUpstream")]
    [InlineData("voice-edge:alertEmails")]
    public void A_missing_required_key_is_named(string key)
    {
        var problem = SingleProblem(Stacks.Edited("dev", (key, null)), key);
        Assert.Contains("is missing", problem.Problem);
        Assert.Contains($"pulumi config set {K.Unqualified(key)}", problem.Fix);
    }

    [Theory]
    [InlineData("voice-edge:relaySigningKey")]
    [InlineData("voice-edge:authJwtSecret")]
    [InlineData("voice-edge:twilioAuthToken")]
    public void A_missing_secret_says_to_set_it_as_a_secret(string key)
    {
        var problem = SingleProblem(Stacks.Edited("dev", (key, null)), key);
        Assert.Contains("--secret", problem.Fix);
    }

    [Fact]
    public void The_zone_owner_needs_the_alert_webhook_secret()
    {
        SingleProblem(Stacks.Edited("prod", (K.AlertWebhookUrl, null)), K.AlertWebhookUrl);
    }

    [Theory]
    [InlineData("voice-edge:relaySigningKey")]
    [InlineData("voice-edge:alertWebhookUrl")]
    public void A_secret_in_plain_text_is_refused_without_echoing_it(string key)
    {
        var problem = SingleProblem(Stacks.Edited("prod", (key, "hunter2-plain-text-secret")), key);
        Assert.Contains("plain text", problem.Problem);
        Assert.Contains("--secret", problem.Fix);
        Assert.DoesNotContain("hunter2", problem.ToString());
    }

    [Theory]
    [InlineData("voice-edge:cloudflareAccountId", "0123456789abcdef")]
    [InlineData("voice-edge:cloudflareAccountId", "0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("voice-edge:cloudflareZoneId", "not-a-zone-id-not-a-zone-id-1234")]
    [InlineData("voice-edge:cloudflareZoneId", "fedcba9876543210fedcba98765432100")]
    public void Cloudflare_ids_must_be_32_lowercase_hex(string key, string value)
    {
        Assert.Contains("32-character hex", SingleProblem(Stacks.Edited("dev", (key, value)), key).Problem);
    }

    [Theory]
    [InlineData("voice-edge:relayRecord", "ws.example.org")]
    [InlineData("voice-edge:publicHost", "voice.example.net")]
    public void Names_outside_the_zone_are_refused(string key, string value)
    {
        Assert.Contains("outside the zone example.com", SingleProblem(Stacks.Edited("dev", (key, value)), key).Problem);
    }

    [Fact]
    public void The_relay_record_cannot_be_the_proxied_public_host()
    {
        SingleProblem(Stacks.Edited("dev", (K.RelayRecord, "example.com")), K.RelayRecord);
    }

    [Theory]
    [InlineData("203.0.113.0/33")]
    [InlineData("203.0.113.1/24")]
    [InlineData("not-a-cidr")]
    [InlineData("203.0.113.7")]
    public void Invalid_admin_cidrs_are_refused(string cidr)
    {
        Assert.Contains($"`{cidr}` is not a CIDR", SingleProblem(Stacks.Edited("dev", (K.AdminCidrs, cidr)), K.AdminCidrs).Problem);
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    public void Ssh_from_anywhere_is_refused_unless_explicitly_allowed(string cidr)
    {
        var problem = SingleProblem(Stacks.Edited("dev", (K.AdminCidrs, cidr)), K.AdminCidrs);
        Assert.Contains("whole internet", problem.Problem);
        Assert.Contains(K.AllowSshFromAnywhere, problem.Fix);
        Assert.Empty(Stacks.Problems(Stacks.Edited("dev", (K.AdminCidrs, cidr), (K.AllowSshFromAnywhere, "true"))));
    }

    [Fact]
    public void The_retired_ssh_private_key_is_refused_with_how_to_remove_it()
    {
        var dev = Stacks.Catalog.Load("dev");
        var values = new Dictionary<string, ConfigValue>(dev.Values) { ["voice-edge:sshPrivateKey"] = ConfigValue.Secure() };
        var problem = SingleProblem(dev with { Values = values }, "voice-edge:sshPrivateKey");
        Assert.Contains("Run Command", problem.Problem);
        Assert.Contains("pulumi config rm sshPrivateKey -s dev", problem.Fix);
    }

    [Fact]
    public void Without_admin_cidrs_the_stack_is_valid_and_has_no_ssh_rule()
    {
        var config = Stacks.Edited("dev", (K.AdminCidrs, null));
        Assert.Empty(Stacks.Problems(config));
        var settings = SettingsReader.Read(config, Stacks.Catalog.OthersThan("dev"));
        Assert.Empty(settings.RelayHost!.AdminCidrs);
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8998/api/chat")]
    [InlineData("ws://localhost:8998/api/chat")]
    [InlineData("wss://[::1]:8998/api/chat")]
    [InlineData("ws://0.0.0.0:8998/api/chat")]
    public void A_loopback_voice_backend_is_refused_with_the_remote_gpu_host_fix(string url)
    {
        var problem = SingleProblem(Stacks.Edited("prod", (K.VoiceUpstream, url)), K.VoiceUpstream);
        Assert.Contains("no GPU", problem.Problem);
        Assert.Contains("wss://", problem.Fix);
        Assert.Contains("pulumi config set voiceUpstream", problem.Fix);
    }

    [Theory]
    [InlineData("voice-edge:voiceUpstream", "ws://gpu.example.com:8998/api/chat")]
    [InlineData("voice-edge:twilioUpstream", "ws://203.0.113.9:8998/twilio")]
    public void A_remote_backend_over_plain_ws_is_refused(string key, string url)
    {
        Assert.Contains("unencrypted", SingleProblem(Stacks.Edited("prod", (key, url)), key).Problem);
    }

    [Theory]
    [InlineData("ws://10.60.2.4:8998/api/chat")]
    [InlineData("ws://192.168.1.20:8998/api/chat")]
    [InlineData("wss://gpu.example.com/api/chat")]
    public void A_backend_in_the_private_network_or_over_wss_is_accepted(string url)
    {
        Assert.Empty(Stacks.Problems(Stacks.Edited("prod", (K.VoiceUpstream, url))));
    }

    [Fact]
    public void Without_twilio_upstream_the_twilio_path_of_the_voice_backend_is_used()
    {
        var settings = SettingsReader.Read(Stacks.Edited("dev", (K.TwilioUpstream, null)), Stacks.Catalog.OthersThan("dev"));
        Assert.Equal("wss://gpu-dev.example.com:8998/api/chat", settings.Edge!.VoiceUpstream);
        Assert.Equal("wss://gpu-dev.example.com:8998/twilio", settings.Edge.TwilioUpstream);
    }

    [Theory]
    [InlineData("voice-edge:voiceUpstream", "http://127.0.0.1:8998/api/chat")]
    [InlineData("voice-edge:twilioUpstream", "https://agent.example.com/twilio")]
    [InlineData("voice-edge:voiceUpstream", "not a url")]
    public void Voice_backend_urls_must_be_websocket_urls(string key, string value)
    {
        SingleProblem(Stacks.Edited("dev", (key, value)), key);
    }

    [Theory]
    [InlineData("oncall")]
    [InlineData("oncall@example")]
    [InlineData("ok@example.com,bad@")]
    public void Bad_alert_emails_are_refused(string emails)
    {
        Assert.Contains("is not an email address", SingleProblem(Stacks.Edited("dev", (K.AlertEmails, emails)), K.AlertEmails).Problem);
    }

    [Theory]
    [InlineData("free", "voice-edge:rateLimitPeriod", "60")]
    [InlineData("free", "voice-edge:rateLimitMitigationTimeout", "60")]
    [InlineData("pro", "voice-edge:rateLimitPeriod", "600")]
    [InlineData("business", "voice-edge:rateLimitPeriod", "3600")]
    [InlineData("pro", "voice-edge:rateLimitMitigationTimeout", "86400")]
    public void Rate_limits_the_plan_does_not_allow_are_refused(string plan, string key, string value)
    {
        var problem = SingleProblem(Stacks.Edited("prod", (K.ZonePlan, plan), (key, value)), key);
        Assert.Contains("is not allowed on the", problem.Problem);
        Assert.Contains("use one of", problem.Fix);
    }

    [Theory]
    [InlineData("pro", "voice-edge:rateLimitPeriod", "60")]
    [InlineData("business", "voice-edge:rateLimitMitigationTimeout", "3600")]
    [InlineData("enterprise", "voice-edge:rateLimitPeriod", "3600")]
    [InlineData("pro", "voice-edge:rateLimitPeriod", "15")]
    [InlineData("business", "voice-edge:rateLimitMitigationTimeout", "86400")]
    public void Rate_limits_the_plan_allows_are_accepted(string plan, string key, string value)
    {
        Assert.Empty(Stacks.Problems(Stacks.Edited("prod", (K.ZonePlan, plan), (key, value))));
    }

    [Fact]
    public void Rate_limit_settings_on_a_stack_that_does_not_own_the_zone_are_refused()
    {
        SingleProblem(Stacks.Edited("dev", (K.RateLimitRequests, "20")), K.RateLimitRequests);
    }

    [Fact]
    public void Two_committed_stacks_owning_one_zone_are_refused()
    {
        var dev = Stacks.Edited("dev", (K.OwnsZone, "true"), (K.AlertWebhookUrl, null));
        var values = new Dictionary<string, ConfigValue>(dev.Values) { [K.AlertWebhookUrl] = ConfigValue.Secure() };
        var problem = SingleProblem(dev with { Values = values }, K.OwnsZone);
        Assert.Contains("Pulumi.prod.yaml also owns zone", problem.Problem);
    }

    [Fact]
    public void Two_stacks_on_one_route_are_refused()
    {
        var problem = SingleProblem(Stacks.Edited("dev", (K.RoutePrefix, "/voice")), K.RoutePrefix);
        Assert.Contains("also used by Pulumi.prod.yaml", problem.Problem);
    }

    [Theory]
    [InlineData("voice-edge:routePrefix", "voice")]
    [InlineData("voice-edge:routePrefix", "/voice/")]
    [InlineData("voice-edge:workerName", "Voice_Edge")]
    [InlineData("voice-edge:allowedOrigins", "https://example.com/app")]
    [InlineData("voice-edge:allowedOrigins", "http://example.com")]
    [InlineData("voice-edge:sshPublicKey", "not-a-key")]
    [InlineData("voice-edge:adminUsername", "root")]
    [InlineData("voice-edge:relayDnsLabel", "Voice_Edge")]
    [InlineData("voice-edge:kind", "staging")]
    [InlineData("voice-edge:ownsZone", "yes")]
    [InlineData("voice-edge:authJwksUrl", "http://idp.example.com/jwks")]
    [InlineData("voice-edge:vmSize", "B2s")]
    public void Malformed_values_are_refused(string key, string value)
    {
        SingleProblem(Stacks.Edited("dev", (key, value)), key);
    }

    [Fact]
    public void Unknown_voice_edge_keys_are_refused_as_likely_typos()
    {
        var problem = SingleProblem(Stacks.Edited("dev", ("voice-edge:routPrefix", "/x")), "voice-edge:routPrefix");
        Assert.Contains("not a voice-edge setting", problem.Problem);
    }

    [Fact]
    public void Preview_stacks_need_the_dev_relay_url_and_refuse_vm_settings()
    {
        var template = Stacks.Catalog.Load("pr-5");
        var values = new Dictionary<string, ConfigValue>(template.Values) { [K.RelayUrl] = ConfigValue.Plain("ws://relay.example.com") };
        values[K.AdminCidrs] = ConfigValue.Plain("203.0.113.0/28");
        var problems = Stacks.Problems(template with { Values = values });
        Assert.Contains(problems, p => p.Key == K.RelayUrl && p.Problem.Contains("expected https://", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == K.AdminCidrs && p.Problem.Contains("preview stack", StringComparison.Ordinal));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var problems = Stacks.Problems(Stacks.Edited("dev", (K.AccountId, "x"), (K.ZoneId, "y"), (K.AdminCidrs, "0.0.0.0/0")));
        Assert.Equal(new string[] { K.AccountId, K.AdminCidrs, K.ZoneId }.Order(), problems.Select(p => p.Key).Order());
    }
}
