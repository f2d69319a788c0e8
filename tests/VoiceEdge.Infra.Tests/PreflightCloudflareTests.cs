using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Tests.Support;
using static VoiceEdge.Infra.Tests.PreflightHarness;

namespace VoiceEdge.Infra.Tests;

/// <summary>The Cloudflare rows of <c>voice-edge preflight</c>, against the loopback stand-in API.</summary>
public class PreflightCloudflareTests(PreflightStandInFixture standIn) : IClassFixture<PreflightStandInFixture>
{
    private static readonly StandInScenario AllGood = new();

    [Fact]
    public async Task All_checks_pass_for_the_zone_owner_and_it_exits_0()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.All(run.Results(), r => Assert.Equal("pass", r));
        Assert.Contains("Free Website (free) matches voice-edge:zonePlan", run.Row("Cloudflare zone plan"));
        Assert.Contains("none yet: the stack creates it", run.Row("Cloudflare http_ratelimit entrypoint"));
        Assert.Contains("example.com (fedcba9876543210fedcba9876543210) is active", run.Row("Cloudflare zone"));
        foreach (var scope in new[] { "Worker scripts", "DNS records", "Worker routes", "zone settings", "notification policies" })
            Assert.Equal("pass", run.Result($"token permission: {scope}"));
        Assert.DoesNotContain("health checks", run.Output); // a Free zone declares none
        Assert.EndsWith("checks passed\n", run.Output);
    }

    [Fact]
    public async Task A_stack_sharing_the_zone_checks_the_zone_but_not_the_owner_s_plan_or_rulesets()
    {
        var run = await RunAsync(standIn.Api, AllGood, "dev");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("pass", run.Result("Cloudflare zone"));
        Assert.DoesNotContain("zone plan", run.Output);
        Assert.DoesNotContain("http_ratelimit", run.Output);
        Assert.DoesNotContain("notification policies", run.Output);
    }

    [Fact]
    public async Task A_preview_stack_checks_the_workers_dev_subdomain_and_needs_no_Azure()
    {
        var run = await RunAsync(standIn.Api, AllGood, "pr-7", env => env.Remove(PreflightEnvironment.AzureToken));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("voice-edge-example.workers.dev matches voice-edge:workersDevSubdomain", run.Row("Cloudflare workers.dev subdomain"));
        Assert.Equal("skip", run.Result("Azure"));
        Assert.DoesNotContain("Cloudflare zone", run.Output);
    }

    [Fact]
    public async Task A_preview_stack_with_another_subdomain_fails_naming_the_account_s()
    {
        var run = await RunAsync(standIn.Api, AllGood with { WorkersSubdomain = "acme-team" }, "pr-7");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare workers.dev subdomain");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("the account's subdomain is acme-team.workers.dev, but voice-edge:workersDevSubdomain is voice-edge-example", row);
        Assert.Contains("fix: set voice-edge:workersDevSubdomain to acme-team in stacks/preview.template.yaml", row);
    }

    [Theory]
    [InlineData("disabled")]
    [InlineData("expired")]
    public async Task An_inactive_token_fails_and_the_checks_that_need_it_are_skipped(string status)
    {
        var run = await RunAsync(standIn.Api, AllGood with { TokenStatus = status }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare API token");
        Assert.StartsWith("FAIL", row);
        Assert.Contains($"the token from CLOUDFLARE_API_TOKEN is {status}", row);
        Assert.Contains("fix: create a new token", row);
        Assert.Equal("skip", run.Result("Cloudflare zone plan"));
        Assert.Equal("skip", run.Result("Cloudflare http_ratelimit entrypoint"));
    }

    [Fact]
    public async Task A_token_Cloudflare_refuses_fails_with_the_API_s_error()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env[PreflightEnvironment.CloudflareToken] = "some-other-token");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare API token");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("Cloudflare refused the token from CLOUDFLARE_API_TOKEN: HTTP 401 (code 1000: Invalid API Token)", row);
    }

    [Fact]
    public async Task An_account_owned_token_is_verified_at_the_account()
    {
        var run = await RunAsync(standIn.Api, AllGood with { AccountOwnedToken = true }, "prod");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("active (from CLOUDFLARE_API_TOKEN", run.Row("Cloudflare API token"));
    }

    [Fact]
    public async Task Without_a_token_it_fails_and_says_how_to_provide_one()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env => env.Remove(PreflightEnvironment.CloudflareToken));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("fix: export CLOUDFLARE_API_TOKEN (if the stack holds it: `export CLOUDFLARE_API_TOKEN=$(pulumi config get cloudflare:apiToken -s prod)`", run.Row("Cloudflare API token"));
        Assert.Equal("skip", run.Result("Cloudflare zone"));
    }

    [Fact]
    public async Task The_token_may_come_from_the_stack_s_cloudflare_apiToken_in_PULUMI_CONFIG()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod", env =>
        {
            var token = env[PreflightEnvironment.CloudflareToken];
            env.Remove(PreflightEnvironment.CloudflareToken);
            env[PreflightEnvironment.PulumiConfig] = $$"""{"cloudflare:apiToken":"{{token}}","voice-edge:zoneName":"example.com"}""";
        });
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("active (from cloudflare:apiToken (PULUMI_CONFIG)", run.Row("Cloudflare API token"));
    }

    [Fact]
    public async Task A_missing_permission_fails_naming_the_permission_to_add()
    {
        var denied = new HashSet<string> { "/zones/fedcba9876543210fedcba9876543210/dns_records" };
        var run = await RunAsync(standIn.Api, AllGood with { DeniedPaths = denied }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("token permission: DNS records");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("HTTP 403 (code 10000: Authentication error)", row);
        Assert.Contains("fix: edit the token (dash.cloudflare.com/profile/api-tokens) and add Zone > DNS > Edit", row);
        Assert.Equal("pass", run.Result("token permission: Worker routes"));
    }

    [Fact]
    public async Task A_free_zone_when_the_stack_says_pro_fails_with_the_plan_to_set()
    {
        var run = await RunAsync(standIn.Api, AllGood with { ZonePlan = "free" }, "prod",
            editProject: p => EditStack(p, "prod", "voice-edge:zonePlan: free", "voice-edge:zonePlan: pro"));
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare zone plan");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("the zone is on Free Website (free), but voice-edge:zonePlan is pro", row);
        Assert.Contains("fix: `pulumi config set zonePlan free -s prod`", row);
        // A Pro stack declares health checks, so it needs their permission too.
        Assert.Equal("pass", run.Result("token permission: health checks"));
    }

    [Fact]
    public async Task A_pro_zone_declared_pro_passes()
    {
        var run = await RunAsync(standIn.Api, AllGood with { ZonePlan = "pro" }, "prod",
            editProject: p => EditStack(p, "prod", "voice-edge:zonePlan: free", "voice-edge:zonePlan: pro"));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Pro Website (pro) matches", run.Row("Cloudflare zone plan"));
    }

    [Fact]
    public async Task A_zone_id_of_another_domain_fails()
    {
        var run = await RunAsync(standIn.Api, AllGood with { ZoneName = "example.org" }, "prod");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("zone fedcba9876543210fedcba9876543210 is example.org, but voice-edge:zoneName is example.com", run.Row("Cloudflare zone"));
    }

    [Fact]
    public async Task An_existing_rate_limit_entrypoint_the_stack_does_not_adopt_fails_with_the_adopt_key()
    {
        var run = await RunAsync(standIn.Api, AllGood with { RateLimitEntrypointId = "2f2feab2026849078ba485f918791bdc" }, "prod");
        Assert.Equal(1, run.ExitCode);
        var row = run.Row("Cloudflare http_ratelimit entrypoint");
        Assert.StartsWith("FAIL", row);
        Assert.Contains("ruleset 2f2feab2026849078ba485f918791bdc (1 rule(s): \"login brute force\")", row);
        Assert.Contains("a managed entrypoint replaces every rule of the phase", row);
        Assert.Contains("fix: adopt it by setting voice-edge:rateLimitRulesetId and voice-edge:rateLimitKeptRules (read infra/README.md on adoption first): `pulumi config set rateLimitRulesetId 2f2feab2026849078ba485f918791bdc -s prod`", row);
    }

    [Fact]
    public async Task An_existing_entrypoint_adopted_by_id_passes()
    {
        const string id = "2f2feab2026849078ba485f918791bdc";
        var run = await RunAsync(standIn.Api, AllGood with { RateLimitEntrypointId = id }, "prod",
            editProject: p => AdoptInStack(p, "prod", id));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"ruleset {id} (1 rule(s): \"login brute force\") is adopted through voice-edge:rateLimitRulesetId", run.Row("Cloudflare http_ratelimit entrypoint"));
    }

    [Fact]
    public async Task Adopting_an_id_that_is_not_the_zone_s_entrypoint_fails()
    {
        var run = await RunAsync(standIn.Api, AllGood with { RateLimitEntrypointId = "2f2feab2026849078ba485f918791bdc" }, "prod",
            editProject: p => AdoptInStack(p, "prod", "00000000000000000000000000000000"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("fix: `pulumi config set rateLimitRulesetId 2f2feab2026849078ba485f918791bdc -s prod`", run.Row("Cloudflare http_ratelimit entrypoint"));
    }

    [Fact]
    public async Task Adopting_when_the_zone_has_no_entrypoint_fails()
    {
        var run = await RunAsync(standIn.Api, AllGood, "prod",
            editProject: p => AdoptInStack(p, "prod", "2f2feab2026849078ba485f918791bdc"));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("fix: remove it so the stack creates one: `pulumi config rm rateLimitRulesetId -s prod`", run.Row("Cloudflare http_ratelimit entrypoint"));
    }
}
