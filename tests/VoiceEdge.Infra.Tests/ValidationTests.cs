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
    [InlineData("voice-edge:twilioAccountSid")]
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

    /// <summary>voiceBackends as Pulumi passes structured config: JSON text.</summary>
    private static StackConfig WithBackends(string stack, string json) => Stacks.Edited(stack, (K.VoiceBackends, json));

    /// <summary>A PersonaPlex backend needs a text_prompt (PersonaPlexQueryValidationTests); these tests are about the rest.</summary>
    private const string Prompt = """ "defaultQuery": {"text_prompt": "Hi"}""";

    private static string OneBackend(string url) => $$"""[{"url": "{{url}}",{{Prompt}}}]""";

    [Fact]
    public void Missing_voice_backends_are_named_with_a_personaplex_example()
    {
        var problem = SingleProblem(Stacks.Edited("dev", (K.VoiceBackends, null)), K.VoiceBackends);
        Assert.Contains("is missing", problem.Problem);
        Assert.Contains("voice-edge:voiceBackends: [{url: wss://", problem.Fix);
        Assert.Contains("voice_prompt: NATF2.pt", problem.Fix);
    }

    [Fact]
    public void A_stack_that_still_sets_voice_upstream_is_told_how_to_rewrite_it_as_voice_backends()
    {
        var problem = SingleProblem(Stacks.Edited("dev", ("voice-edge:voiceUpstream", "wss://gpu-old.example.com:8998/api/chat")), "voice-edge:voiceUpstream");
        Assert.Contains("replaced by voice-edge:voiceBackends", problem.Problem);
        Assert.Contains("Pulumi.dev.yaml as `voice-edge:voiceBackends: [{url: wss://gpu-old.example.com:8998/api/chat, capacity: 1}]`", problem.Fix);
        Assert.Contains("delete the voiceUpstream line", problem.Fix);
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8998/api/chat")]
    [InlineData("ws://localhost:8998/api/chat")]
    [InlineData("wss://[::1]:8998/api/chat")]
    [InlineData("ws://0.0.0.0:8998/api/chat")]
    public void A_loopback_voice_backend_is_refused_with_the_remote_gpu_host_fix(string url)
    {
        var problem = SingleProblem(WithBackends("prod", OneBackend(url)), K.VoiceBackends);
        Assert.Contains("entry 0 url", problem.Problem);
        Assert.Contains("no GPU", problem.Problem);
        Assert.Contains("wss://", problem.Fix);
        Assert.Contains("pulumi config set --path 'voiceBackends[0].url' <value> -s prod", problem.Fix);
    }

    [Fact]
    public void A_bad_second_backend_is_named_by_its_index()
    {
        var problem = SingleProblem(WithBackends("prod", """[{"url": "wss://gpu-1.example.com/api/chat", "defaultQuery": {"text_prompt": "Hi"}}, {"url": "ws://gpu-2.example.com/api/chat"}]"""), K.VoiceBackends);
        Assert.StartsWith("entry 1 url", problem.Problem);
        Assert.Contains("unencrypted", problem.Problem);
        Assert.Contains("voiceBackends[1].url", problem.Fix);
    }

    [Theory]
    [InlineData("voice-edge:voiceBackends", """[{"url": "ws://gpu.example.com:8998/api/chat"}]""")]
    [InlineData("voice-edge:twilioUpstream", "ws://203.0.113.9:8998/twilio")]
    public void A_remote_backend_over_plain_ws_is_refused(string key, string value)
    {
        Assert.Contains("unencrypted", SingleProblem(Stacks.Edited("prod", (key, value)), key).Problem);
    }

    [Theory]
    [InlineData("ws://10.60.2.4:8998/api/chat")]
    [InlineData("ws://192.168.1.20:8998/api/chat")]
    [InlineData("wss://gpu.example.com/api/chat")]
    public void A_backend_in_the_private_network_or_over_wss_is_accepted(string url)
    {
        Assert.Empty(Stacks.Problems(WithBackends("prod", OneBackend(url))));
    }

    [Fact]
    public void Without_twilio_upstream_the_twilio_path_of_the_first_voice_backend_is_used()
    {
        var settings = SettingsReader.Read(Stacks.Edited("dev", (K.TwilioUpstream, null)), Stacks.Catalog.OthersThan("dev"));
        Assert.Equal("wss://gpu-dev.example.com:8998/api/chat", settings.Edge!.VoiceBackends[0].Url);
        Assert.Equal("wss://gpu-dev.example.com:8998/twilio", settings.Edge.TwilioUpstream);
    }

    [Theory]
    [InlineData("voice-edge:voiceBackends", """[{"url": "http://127.0.0.1:8998/api/chat"}]""")]
    [InlineData("voice-edge:twilioUpstream", "https://agent.example.com/twilio")]
    [InlineData("voice-edge:voiceBackends", """[{"url": "not a url"}]""")]
    [InlineData("voice-edge:voiceBackends", """[{"url": "wss://gpu.example.com/api/chat\nRelay__SigningKey=x"}]""")]
    [InlineData("voice-edge:voiceBackends", """[{"url": "wss://gpu.example.com/api/chat\u0000"}]""")]
    [InlineData("voice-edge:voiceBackends", """[{"url": 42}]""")]
    [InlineData("voice-edge:voiceBackends", """[{"capacity": 1}]""")]
    public void Voice_backend_urls_must_be_websocket_urls(string key, string value)
    {
        SingleProblem(Stacks.Edited("dev", (key, value)), key);
    }

    [Theory]
    [InlineData("wss://gpu.example.com:8998/api/chat", "not a list of backends")]
    [InlineData("{\"url\": \"wss://gpu.example.com/api/chat\"}", "not a list of backends")]
    [InlineData("[]", "has 0 backends")]
    [InlineData("\ud800", "not a list of backends")] // regression: not UTF-16, so not JSON (ArgumentException, not JsonException)
    [InlineData("[\"wss://gpu.example.com/api/chat\"]", "entry 0 is not an object")]
    [InlineData("""[{"url": "wss://gpu.example.com/api/chat", "Capacity": 2}]""", "fields the relay does not know (Capacity)")]
    [InlineData("""[{"url": "wss://gpu.example.com/api/chat", "defaultQuery": {"text_prompt": "Hi"}}, {"url": "WSS://GPU.example.com/api/chat", "defaultQuery": {"text_prompt": "Hi"}}]""", "2 times")]
    public void A_voice_backends_value_that_is_not_a_list_of_backends_is_refused(string json, string expected)
    {
        Assert.Contains(expected, SingleProblem(WithBackends("dev", json), K.VoiceBackends).Problem);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100001")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"two\"")]
    [InlineData("null")]
    [InlineData("true")]
    public void A_capacity_outside_1_to_100000_is_refused(string capacity)
    {
        var problem = SingleProblem(WithBackends("dev", $$"""[{"url": "wss://gpu.example.com/api/chat", "capacity": {{capacity}}}]"""), K.VoiceBackends);
        Assert.Contains("entry 0 capacity", problem.Problem);
        Assert.Contains("from 1 to 100000", problem.Problem);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("\"3\"", 3)]
    [InlineData("100000", 100000)]
    public void A_capacity_from_1_to_100000_is_taken(string capacity, int expected)
    {
        var config = WithBackends("dev", $$"""[{"url": "wss://gpu.example.com/api/chat", "capacity": {{capacity}},{{Prompt}}}]""");
        Assert.Equal(expected, SettingsReader.Read(config, Stacks.Catalog.OthersThan("dev")).Edge!.VoiceBackends[0].Capacity);
    }

    [Theory]
    [InlineData("3f1a7c2b9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8")]
    [InlineData("3F:1A:7C:2B:9D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8")]
    [InlineData("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")]
    public void A_pin_in_a_format_the_relay_reads_is_accepted(string pin)
    {
        Assert.Empty(Stacks.Problems(WithBackends("dev", $$"""[{"url": "wss://gpu.example.com/api/chat", "certificateSha256": "{{pin}}",{{Prompt}}}]""")));
    }

    [Theory]
    [InlineData("3f1a7c2b9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7")]
    [InlineData("zz1a7c2b9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8")]
    [InlineData("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeA==")]
    [InlineData("sha256/q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")]
    [InlineData("")]
    public void A_pin_the_relay_cannot_read_is_refused_with_how_to_get_one(string pin)
    {
        var problem = SingleProblem(WithBackends("dev", $$"""[{"url": "wss://gpu.example.com/api/chat", "certificateSha256": "{{pin}}"}]"""), K.VoiceBackends);
        Assert.Contains("is not a SHA-256 pin", problem.Problem);
        Assert.Contains("openssl x509", problem.Fix);
    }

    [Fact]
    public void A_pin_on_a_plain_ws_backend_is_refused()
    {
        var problem = SingleProblem(WithBackends("dev", """[{"url": "ws://10.0.0.5:8998/api/chat", "certificateSha256": "3f1a7c2b9d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"}]"""), K.VoiceBackends);
        Assert.Contains("ws:// backend", problem.Problem);
    }

    [Theory]
    [InlineData("""{"voice__prompt": "x"}""", "is not a query key")]
    [InlineData("""{"voice prompt": "x"}""", "is not a query key")]
    [InlineData("""{"9seed": "1"}""", "is not a query key")]
    [InlineData("""{"voice_prompt": ""}""", "1 to 1000 characters")]
    [InlineData("""{"voice_prompt": "NATF2.pt\nRelay__SigningKey=x"}""", "control character")]
    [InlineData("""{"voice_prompt": "C:\\voices\\NATF2.pt"}""", "backslash")]
    [InlineData("""{"text_prompt": " padded"}""", "space")]
    [InlineData("""{"text_prompt": "\"quoted\""}""", "quote")]
    [InlineData("""{"voice_prompt": {"a": 1}}""", "is not text")]
    [InlineData("""{"voice_prompt": null}""", "is not text")]
    [InlineData("""["voice_prompt"]""", "not a map")]
    public void Default_query_keys_and_values_that_would_not_survive_the_relay_environment_are_refused(string defaultQuery, string expected)
    {
        var problem = SingleProblem(WithBackends("dev", $$$"""[{"url": "wss://gpu.example.com/api/chat", "defaultQuery": {{{defaultQuery}}}}]"""), K.VoiceBackends);
        Assert.Contains(expected, problem.Problem);
        Assert.DoesNotContain("\n", problem.ToString());
    }

    [Fact]
    public void A_long_default_query_value_is_refused_and_a_plain_one_taken_in_order()
    {
        var problem = SingleProblem(WithBackends("dev", $$$"""[{"url": "wss://gpu.example.com/api/chat", "defaultQuery": {"text_prompt": "{{{new string('a', 1001)}}}"}}]"""), K.VoiceBackends);
        Assert.Contains("1 to 1000 characters", problem.Problem);
        var config = WithBackends("dev", """[{"url": "wss://gpu.example.com/api/chat", "defaultQuery": {"voice_prompt": "NATF2.pt", "temperature": 0.7, "text_prompt": "You're a calm, helpful agent."}}]""");
        var backend = SettingsReader.Read(config, Stacks.Catalog.OthersThan("dev")).Edge!.VoiceBackends[0];
        Assert.Equal([new("voice_prompt", "NATF2.pt"), new("temperature", "0.7"), new("text_prompt", "You're a calm, helpful agent.")], backend.DefaultQuery);
    }

    [Theory]
    [InlineData("text_prompt,voice_prompt", "not a list of query keys")]
    [InlineData("""["text_prompt", 1]""", "not a list of query keys")]
    [InlineData("""["text_prompt", "voice/prompt"]""", "is not a query key")]
    [InlineData("""["text_prompt", "text_prompt"]""", "twice")]
    public void Bad_voice_query_keys_are_refused(string value, string expected)
    {
        Assert.Contains(expected, SingleProblem(Stacks.Edited("dev", (K.VoiceQueryKeys, value)), K.VoiceQueryKeys).Problem);
    }

    [Fact]
    public void Voice_query_keys_are_taken_as_listed()
    {
        var settings = SettingsReader.Read(Stacks.Edited("dev", (K.VoiceQueryKeys, """["text_prompt", "temperature"]""")), Stacks.Catalog.OthersThan("dev"));
        Assert.Equal(["text_prompt", "temperature"], settings.Edge!.VoiceQueryKeys);
    }

    [Theory]
    [InlineData("AC0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("AC0123456789abcdef0123456789abcde")]
    [InlineData("PN0123456789abcdef0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public void A_twilio_account_sid_that_is_not_AC_and_32_hex_is_refused(string sid)
    {
        var problem = SingleProblem(Stacks.Edited("dev", (K.TwilioAccountSid, sid)), K.TwilioAccountSid);
        Assert.Contains("AC followed by 32 lowercase hex", problem.Problem);
    }

    [Fact]
    public void The_stack_files_structured_voice_backends_are_read_as_pulumi_passes_them()
    {
        const string yaml = """
            config:
              voice-edge:voiceBackends:
                - url: wss://gpu.example.com:8998/api/chat
                  capacity: 2
                  defaultQuery: {voice_prompt: NATF2.pt, seed: 42, text_prompt: "007"}
              voice-edge:voiceQueryKeys: [text_prompt]
            """;
        var config = StackConfigSources.FromYaml("dev", "Pulumi.dev.yaml", yaml);
        Assert.Equal("""[{"url":"wss://gpu.example.com:8998/api/chat","capacity":2,"defaultQuery":{"voice_prompt":"NATF2.pt","seed":42,"text_prompt":"007"}}]""", config.Get(K.VoiceBackends)!.Text);
        Assert.Equal("""["text_prompt"]""", config.Get(K.VoiceQueryKeys)!.Text);
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
    [InlineData("voice-edge:voiceBackends", "[{\"url\": \"wss://gpu.example.com/api/chat\", \"capacity\": 0}]")]
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
        values[K.VoiceBackends] = ConfigValue.Plain("""[{"url": "wss://gpu.example.com/api/chat"}]""");
        values[K.TwilioAccountSid] = ConfigValue.Plain("AC0123456789abcdef0123456789abcdef");
        var problems = Stacks.Problems(template with { Values = values });
        Assert.Contains(problems, p => p.Key == K.RelayUrl && p.Problem.Contains("expected https://", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == K.AdminCidrs && p.Problem.Contains("preview stack", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == K.VoiceBackends && p.Problem.Contains("preview stack", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == K.TwilioAccountSid && p.Problem.Contains("preview stack", StringComparison.Ordinal));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var problems = Stacks.Problems(Stacks.Edited("dev", (K.AccountId, "x"), (K.ZoneId, "y"), (K.AdminCidrs, "0.0.0.0/0")));
        Assert.Equal(new string[] { K.AccountId, K.AdminCidrs, K.ZoneId }.Order(), problems.Select(p => p.Key).Order());
    }
}
