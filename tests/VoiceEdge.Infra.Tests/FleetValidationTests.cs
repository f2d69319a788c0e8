using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.Support.FleetFixture;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>voice-edge:relays refused as today's keys are: each problem names the relay, the field and the fix, before anything is emitted.</summary>
public class FleetValidationTests
{
    private static ConfigProblem RelaysProblem(params JsonObject[] relays)
    {
        var problems = Problems((K.Relays, List(relays)));
        var problem = Assert.Single(problems);
        Assert.Equal(K.Relays.Qualified, problem.Key);
        Assert.StartsWith("Pulumi.fleet.yaml: voice-edge:relays: ", problem.ToString());
        return problem;
    }

    [Fact]
    public void The_fixture_is_valid() => Assert.Empty(Problems());

    [Theory]
    [InlineData("WEU")]
    [InlineData("we-u")]
    [InlineData("abcdefghijklm")]
    [InlineData("")]
    public void A_name_that_is_not_short_lowercase_letters_and_digits_is_refused(string name)
    {
        var problem = RelaysProblem(Relay(name, "westeurope"));
        Assert.Contains("name", problem.Problem);
        Assert.Contains("1-12 lowercase letters or digits", problem.Problem);
        Assert.Contains("relays[0].name", problem.Fix);
    }

    [Fact]
    public void A_fleet_whose_relays_binding_would_pass_cloudflares_5_kb_per_variable_is_refused()
    {
        // 45 relays with 12-character names: RELAYS is about 6 KB, which Cloudflare refuses on upload.
        var problem = RelaysProblem([.. Enumerable.Range(0, 45).Select(i => Relay($"relayname{i:D3}", "westeurope"))]);
        Assert.Matches("gives the Worker a RELAYS binding of [0-9]+ bytes, over Cloudflare's 5120 bytes per Worker variable", problem.Problem);
        Assert.Contains("fewer relays or shorter relay names", problem.Fix);

        // 30 relays with short names fit (about 3.6 KB).
        Assert.Empty(Problems((K.Relays, List([.. Enumerable.Range(0, 30).Select(i => Relay($"r{i}", "westeurope"))]))));
    }

    [Fact]
    public void Two_relays_of_one_name_are_refused()
    {
        var problem = RelaysProblem(Relay("weu", "westeurope"), Relay("weu", "northeurope"));
        Assert.Contains("names relay `weu` 2 times", problem.Problem);
    }

    [Fact]
    public void An_unknown_region_is_refused_with_where_the_list_is()
    {
        var problem = RelaysProblem(Relay("mars", "marsnorth"));
        Assert.Contains("relay mars location `marsnorth` is not an Azure region", problem.Problem);
        Assert.Contains("infra/Settings/AzureRegions.cs", problem.Fix);
    }

    [Fact]
    public void A_bad_vm_size_is_refused()
    {
        var problem = RelaysProblem(Relay("weu", "westeurope", vmSize: "B2s"));
        Assert.Contains("relay weu vmSize `B2s` is not valid", problem.Problem);
        Assert.Contains("relays[0].vmSize", problem.Fix);
    }

    [Fact]
    public void A_relays_backends_follow_the_voiceBackends_rules_and_name_the_relay()
    {
        var relay = Relay("eus", "eastus");
        relay["voiceBackends"]![0]!["url"] = "ws://127.0.0.1:8998/api/chat";
        var problem = RelaysProblem(Relay("weu", "westeurope"), relay);
        Assert.Contains("relay eus voiceBackends entry 0 url", problem.Problem);
        Assert.Contains("no GPU", problem.Problem);
        Assert.Contains("relays[1].voiceBackends[0].url", problem.Fix);

        var noPrompt = Relay("eus", "eastus");
        noPrompt["voiceBackends"]![0]!["defaultQuery"]!.AsObject().Remove("text_prompt");
        var prompt = RelaysProblem(noPrompt);
        Assert.Contains("relay eus voiceBackends entry 0 has no `defaultQuery.text_prompt`", prompt.Problem);
        Assert.Contains("relays[0].voiceBackends[0].defaultQuery", prompt.Fix);

        var none = Relay("weu", "westeurope");
        none.Remove("voiceBackends");
        Assert.Contains("relay weu has no list of `voiceBackends`", RelaysProblem(none).Problem);
    }

    [Fact]
    public void A_field_a_relay_does_not_have_is_refused()
    {
        var relay = Relay("weu", "westeurope");
        relay["region"] = "westeurope";
        Assert.Contains("fields a relay does not have (region)", RelaysProblem(relay).Problem);
    }

    [Fact]
    public void Every_relay_draining_is_refused()
    {
        var problem = RelaysProblem(Relay("weu", "westeurope", draining: true), Relay("eus", "eastus", draining: true));
        Assert.Contains("every relay draining", problem.Problem);
    }

    [Fact]
    public void A_dns_label_prefix_too_long_for_the_relay_is_refused()
    {
        var problems = Problems((K.DnsLabel, new string('a', 60)));
        Assert.Contains(problems, p => p.Key == K.Relays.Qualified && p.Problem.Contains("public IP DNS label", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_list_is_refused() =>
        Assert.Contains("has 0 relays", Assert.Single(Problems((K.Relays, "[]"))).Problem);

    [Fact]
    public void A_preview_stack_refuses_relays()
    {
        var preview = Stacks.Edited(Stacks.Catalog.Load("pr-7"), (K.Relays, List(Relay("weu", "westeurope"))));
        Assert.Contains(Stacks.Problems(preview), p => p.Key == K.Relays.Qualified && p.Problem.Contains("preview", StringComparison.Ordinal));
    }

    /// <summary>
    /// Today's single-relay keys beside relays: each refused, and the fix is the exact rewrite. Applying it (the list
    /// it gives, the keys it says to delete) yields a valid stack in which every relay has the values those keys held.
    /// </summary>
    [Fact]
    public void Single_relay_keys_beside_relays_are_refused_with_the_exact_rewrite()
    {
        var backends = """[{"url":"wss://gpu-all.example.io:8998/api/chat","defaultQuery":{"text_prompt":"Hello."}}]""";
        var bare = Relay("weu", "westeurope");
        bare.Remove("voiceBackends");
        var edits = new (string, string?)[] { (K.Relays, List(bare, Relay("eus", "eastus"))), (K.VmSize, "Standard_B1ms"), (K.VoiceBackends, backends) };
        var problems = Problems(edits);
        Assert.Equal([K.VmSize.Qualified, K.VoiceBackends.Qualified], problems.Where(p => p.Key != K.Relays.Qualified).Select(p => p.Key).Order());
        var refused = problems.First(p => p.Key == K.VmSize.Qualified);
        Assert.Contains("is a single-relay key, and voice-edge:relays is set", refused.Problem);
        Assert.Contains("and delete voice-edge:vmSize, voice-edge:voiceBackends", refused.Fix);

        var rewrite = Regex.Match(refused.Fix, "`voice-edge:relays: (?<list>.*)` and delete").Groups["list"].Value;
        var list = JsonNode.Parse(rewrite)!.AsArray();
        Assert.Equal("Standard_B1ms", (string)list[0]!["vmSize"]!);
        Assert.Equal("Standard_B1ms", (string)list[1]!["vmSize"]!);
        Assert.Equal("wss://gpu-all.example.io:8998/api/chat", (string)list[0]!["voiceBackends"]![0]!["url"]!);
        Assert.Equal("wss://gpu-eus.example.io:8998/api/chat", (string)list[1]!["voiceBackends"]![0]!["url"]!); // its own stays

        var rewritten = Read((K.Relays, rewrite), (K.VmSize, null), (K.VoiceBackends, null));
        Assert.All(rewritten.Relays, r => Assert.Equal("Standard_B1ms", r.Host.VmSize));
    }

    [Fact]
    public void A_single_relay_stack_is_read_as_one_unnamed_relay()
    {
        var s = Stacks.Settings("dev");
        var relay = Assert.Single(s.Relays);
        Assert.Equal("", relay.Name);
        Assert.Equal("relayVm", relay.Named("relayVm"));
        Assert.Equal("ws-dev.example.com", relay.RecordFqdn);
        Assert.Equal(s.RelayHost, relay.Host);
        Assert.Equal(s.Edge!.VoiceBackends, relay.VoiceBackends);
    }

    /// <summary>prod's relay `dev` would be ws-dev.example.com, dev's own relay record: refused in prod, naming dev.</summary>
    [Fact]
    public void A_fleet_relay_record_that_is_another_stacks_record_in_the_zone_is_refused()
    {
        var prod = Stacks.Edited("prod", (K.Relays, List(Relay("dev", "westeurope"), Relay("weu", "westeurope"))),
            (K.VoiceBackends, null), (K.TwilioUpstream, null), (K.VmSize, null));
        var problem = Assert.Single(Stacks.Problems(prod));
        Assert.Equal(K.Relays.Qualified, problem.Key);
        Assert.Contains("relay record ws-dev.example.com is also declared by Pulumi.dev.yaml", problem.Problem);
        Assert.Empty(Stacks.Problems(Stacks.Edited("prod", (K.Relays, List(Relay("weu", "westeurope"))),
            (K.VoiceBackends, null), (K.TwilioUpstream, null), (K.VmSize, null))));
    }

    /// <summary>The same rule between single-relay stacks: dev's record set to prod's `ws` was accepted before and would have fought prod's.</summary>
    [Fact]
    public void Two_single_relay_stacks_of_one_zone_with_one_record_are_refused()
    {
        var problem = Assert.Single(Stacks.Problems(Stacks.Edited("dev", (K.RelayRecord, "ws"))));
        Assert.Equal(K.RelayRecord.Qualified, problem.Key);
        Assert.Contains("relay record ws.example.com is also declared by Pulumi.prod.yaml", problem.Problem);
    }

    /// <summary>A rewrite too long for one problem line (long prompts) is given field by field, each value cut, never the whole list.</summary>
    [Fact]
    public void A_rewrite_too_long_for_a_line_is_given_field_by_field()
    {
        var prompt = new string('x', 900);
        var backends = """[{"url":"wss://gpu-all.example.io:8998/api/chat","defaultQuery":{"text_prompt":"PROMPT"}}]""".Replace("PROMPT", prompt, StringComparison.Ordinal);
        var bare = Relay("weu", "westeurope");
        bare.Remove("voiceBackends");
        var problem = Assert.Single(Problems((K.Relays, List(bare)), (K.VoiceBackends, backends)), p => p.Key == K.VoiceBackends.Qualified);
        Assert.True(problem.ToString().Length < 1_000, $"{problem.ToString().Length} characters");
        Assert.Contains("give every relay of voice-edge:relays that lacks them `voiceBackends: [{\"url\":\"wss://gpu-all.example.io", problem.Fix);
        Assert.Contains("and delete voice-edge:voiceBackends", problem.Fix);
    }
}
