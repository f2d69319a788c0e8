using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// Rotating the key the Worker signs relay tokens with (docs/operations.md "Rotating the signing key"). A deploy updates
/// the Worker and the relay in no set order, so every step must hold with either side updated first: the Worker's
/// token (minted as the Worker mints it: the shared vectors hold <see cref="RelayToken.MintV2"/> to the Worker's code)
/// reaches the real relay, configured as the deploy configures it, before, between and after.
/// </summary>
public class SigningKeyRotationTests
{
    private const string OldKey = "rotation-old-key-0123456789abcdef";
    private const string NewKey = "rotation-new-key-fedcba9876543210";

    /// <summary>The documented steps: what the Worker signs with, and the relay's key settings.</summary>
    private static readonly (string WorkerKey, (string Key, string Value)[] Relay)[] Steps =
    [
        (OldKey, [("SigningKey", OldKey)]),                                   // before
        (OldKey, [("SigningKey", OldKey), ("NextSigningKey", NewKey)]),       // 1: the relay learns the new key
        (NewKey, [("SigningKey", NewKey), ("PreviousSigningKey", OldKey)]),   // 2: the Worker signs with it
        (NewKey, [("SigningKey", NewKey)]),                                   // 3: the old key retired
    ];

    [Fact]
    public async Task Every_step_takes_calls_with_the_worker_or_the_relay_updated_first()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        var relays = new List<RelayUnderTest>();
        try
        {
            foreach (var step in Steps) relays.Add(await RelayUnderTest.StartAsync(upstream.ChatUri, null, step.Relay));
            for (var i = 0; i + 1 < Steps.Length; i++)
            {
                // Worker first: the new Worker against the old relay; relay first: the old Worker against the new relay.
                Assert.Equal(HttpStatusCode.SwitchingProtocols, await CallAsync(relays[i + 1], Steps[i + 1].WorkerKey));
                Assert.Equal(HttpStatusCode.SwitchingProtocols, await CallAsync(relays[i], Steps[i + 1].WorkerKey));
                Assert.Equal(HttpStatusCode.SwitchingProtocols, await CallAsync(relays[i + 1], Steps[i].WorkerKey));
            }
            // The steps matter: changing relaySigningKey in one go refuses every call while the Worker is updated first.
            Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(relays[0], NewKey));
            // ...and retiring the old key ends its tokens.
            Assert.Equal(HttpStatusCode.Forbidden, await CallAsync(relays[3], OldKey));
        }
        finally
        {
            foreach (var relay in relays) await relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_phone_call_placed_before_the_relay_restarted_with_rotated_keys_still_starts()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        const string callSid = "CA0000000000000000000000000000000a";
        for (var i = 0; i + 1 < Steps.Length; i++)
        {
            await using var before = await RelayUnderTest.StartAsync(upstream.ChatUri, null, Steps[i].Relay);
            await using var after = await RelayUnderTest.StartAsync(upstream.ChatUri, null, Steps[i + 1].Relay);
            var minted = before.Services.GetRequiredService<TwilioCallToken>().Mint(callSid, RelayUnderTest.TwilioAccountSid, DateTimeOffset.UtcNow);
            Assert.Equal(CallTokenStatus.Valid,
                after.Services.GetRequiredService<TwilioCallToken>().Check(minted, callSid, RelayUnderTest.TwilioAccountSid, DateTimeOffset.UtcNow));
        }
    }

    [Fact]
    public void Tokens_are_minted_with_the_current_key_only()
    {
        var now = DateTimeOffset.UtcNow;
        var rotating = new RelayToken(new SigningKeys(NewKey, OldKey), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5));
        var token = rotating.MintV2(now.ToUnixTimeSeconds() + 30, "s", "alice", null);
        Assert.Equal(TokenStatus.Valid, new RelayToken(NewKey, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)).Check(token, now).Status);
        Assert.Equal(TokenStatus.BadSignature, new RelayToken(OldKey, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)).Check(token, now).Status);
    }

    [Theory]
    [InlineData("NextSigningKey", OldKey + "x", "PreviousSigningKey", NewKey + "y", "set one of them")]
    [InlineData("NextSigningKey", OldKey, "ClockSkewSeconds", "5", "must differ from Relay:SigningKey")]
    [InlineData("PreviousSigningKey", "short", "ClockSkewSeconds", "5", "PreviousSigningKey")]
    public async Task Rotation_settings_that_cannot_work_stop_the_start(string key1, string value1, string key2, string value2, string expected)
    {
        var failure = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            RelayUnderTest.StartAsync(new Uri("ws://127.0.0.1:1/api/chat"), null, ("SigningKey", OldKey), (key1, value1), (key2, value2)));
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> CallAsync(RelayUnderTest relay, string workerKey)
    {
        var worker = new RelayToken(workerKey, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        var token = worker.MintV2(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30, "rotation", "alice", "203.0.113.7");
        var (socket, status) = await relay.ConnectAsync(token).ConfigureAwait(false);
        socket?.Dispose();
        return status;
    }
}
