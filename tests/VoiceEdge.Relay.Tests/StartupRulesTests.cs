using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The relay refuses to start with settings a real PersonaPlex or a real Twilio would fail every call with
/// (docs/architecture.md "The real PersonaPlex server's contract"; relay/README.md "Settings").
/// </summary>
public class StartupRulesTests
{
    private static async Task<string[]> FailuresAsync(params (string, string)[] settings)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, settings));
        return [.. e.Failures];
    }

    private static async Task StartsAsync(params (string, string)[] settings)
    {
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, settings);
    }

    [Fact]
    public async Task A_personaplex_backend_without_text_prompt_stops_the_relay_naming_the_setting()
    {
        var failures = await FailuresAsync(("Backends:0:Url", "ws://127.0.0.1:1/api/chat"), ("Backends:0:DefaultQuery:voice_prompt", "NATF2.pt"));
        Assert.Contains(failures, f => f.Contains("Relay:Backends:0:DefaultQuery:text_prompt is required", StringComparison.Ordinal)
            && f.Contains("Relay__Backends__0__DefaultQuery__text_prompt=", StringComparison.Ordinal));
        var blank = await FailuresAsync(("Backends:0:Url", "ws://127.0.0.1:1/api/chat"), ("Backends:0:DefaultQuery:text_prompt", " "));
        Assert.Contains(blank, f => f.Contains("text_prompt is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_text_prompt_in_the_url_counts_and_a_backend_at_another_path_is_not_personaplex()
    {
        await StartsAsync(("Backends:0:Url", "ws://127.0.0.1:1/api/chat?text_prompt=Hi"));
        await StartsAsync(("Backends:0:Url", "ws://127.0.0.1:1/agent"));
    }

    [Theory]
    [InlineData("Backends:0:DefaultQuery:seed", "42", "Relay:Backends:0: seed is refused")]
    [InlineData("AllowedQueryKeys:0", "seed", "Relay:AllowedQueryKeys lists seed")]
    public async Task Seed_stops_the_relay_naming_the_upstream_bug(string key, string value, string expected)
    {
        var failures = await FailuresAsync(("Backends:0:Url", "ws://127.0.0.1:1/api/chat"), ("Backends:0:DefaultQuery:text_prompt", "Hi"), (key, value));
        var failure = Assert.Single(failures);
        Assert.Contains(expected, failure, StringComparison.Ordinal);
        Assert.Contains("NVIDIA/personaplex PR #75", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_phone_bridge_upstream_needs_a_text_prompt_and_no_seed()
    {
        var failures = await FailuresAsync(("TwilioMode", "PersonaPlex"), ("TwilioUpstream", "ws://127.0.0.1:1/api/chat?voice_prompt=NATF2.pt&seed=1"));
        Assert.Contains(failures, f => f.Contains("Relay:TwilioUpstream carries seed", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Relay:TwilioUpstream needs a text_prompt", StringComparison.Ordinal));
        await StartsAsync(("TwilioMode", "PersonaPlex"), ("TwilioUpstream", "ws://127.0.0.1:1/api/chat?voice_prompt=NATF2.pt&text_prompt=Hi"));
    }

    [Theory]
    [InlineData("ws://ws.example.test", "31922")]
    [InlineData("https://ws.example.test", "31922")]
    [InlineData("wss://ws.example.test:8443", "31910")]
    [InlineData("wss://ws.example.test/?region=us1", "31920")]
    [InlineData("ws://127.0.0.1:8999/?x=1", "31920")]
    public async Task A_public_base_url_twilio_cannot_stream_to_stops_the_relay_naming_twilios_error(string url, string code)
    {
        var failure = Assert.Single(await FailuresAsync(("PublicBaseUrl", url)));
        Assert.Contains("Relay:PublicBaseUrl", failure, StringComparison.Ordinal);
        Assert.Contains($"Twilio error {code}", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wss://ws.example.test")]
    [InlineData("wss://ws.example.test:443")]
    [InlineData("wss://ws.example.test/base")]
    [InlineData("ws://127.0.0.1:8999")]
    [InlineData("ws://localhost:8999")]
    [InlineData("ws://[::1]:8999")]
    public async Task Wss_on_443_without_a_query_starts_and_ws_only_on_loopback(string url)
    {
        await StartsAsync(("PublicBaseUrl", url));
    }
}
