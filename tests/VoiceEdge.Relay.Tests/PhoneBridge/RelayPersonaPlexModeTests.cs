using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.PhoneBridge;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>The real relay with <c>Relay__TwilioMode=PersonaPlex</c>: /twilio/stream keeps its checks and bridges the call.</summary>
public class RelayPersonaPlexModeTests
{
    [Fact]
    public async Task A_signed_twilio_stream_is_bridged_to_personaplex_and_counted()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, ("TwilioMode", "PersonaPlex"));
        using var call = new TwilioCall();
        await call.ConnectAsync(relay.Ws("/twilio/stream"), RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"));
        await call.SendConnectedAsync();
        await call.SendStartAsync(token: Twilio.TwilioStreamStart.TokenFor(TwilioCall.CallSid));
        // Audio before PersonaPlex's handshake is dropped by design: on a busy machine, wait for it.
        for (var i = 0; i < 500 && !relay.Logs.Any(l => l.Contains("bridge handshake", StringComparison.Ordinal)); i++) await Task.Delay(20);
        var pcm = TestAudio.Sine(440, 8000, 8000 * 6 / 10, 6000);
        var mulaw = new byte[pcm.Length];
        MuLaw.Encode(pcm, mulaw);
        await call.PlayAsync(mulaw);
        for (var i = 0; i < 100 && call.Received.Length < 160 * 10; i++) await Task.Delay(20);
        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
        Assert.True(call.Received.Length >= 160 * 10, $"{call.Received.Length} bytes of audio came back");
        Assert.True(model.PacketsEchoed > 0);
        for (var i = 0; i < 100 && !relay.Logs.Any(l => l.Contains("bridge call ended", StringComparison.Ordinal)); i++) await Task.Delay(20);
        Assert.Contains(relay.Logs, l => l.Contains("bridge call ended", StringComparison.Ordinal) && l.Contains("reason=caller-ended", StringComparison.Ordinal));
        Assert.Equal(1, await relay.MetricAsync("voice_edge_bridge_ends_total", "reason=\"caller-ended\""));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public async Task The_hold_signal_is_on_by_default_and_Relay_PhoneBridgeHoldSignal_turns_it_off(string? setting, bool heard)
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.FromMilliseconds(500);
        (string, string)[] config = setting is null ? [("TwilioMode", "PersonaPlex")] : [("TwilioMode", "PersonaPlex"), ("PhoneBridgeHoldSignal", setting)];
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, config);
        using var call = new TwilioCall();
        await call.ConnectAsync(relay.Ws("/twilio/stream"), RelayUnderTest.TwilioSignatureFor(RelayUnderTest.PublicBase + "/twilio/stream"));
        await call.SendConnectedAsync();
        await call.SendStartAsync(token: Twilio.TwilioStreamStart.TokenFor(TwilioCall.CallSid));
        for (var i = 0; i < 500 && !relay.Logs.Any(l => l.Contains("bridge handshake", StringComparison.Ordinal)); i++) await Task.Delay(20);
        await call.SendStopAsync();
        await call.WaitClosedAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
        if (heard)
        {
            Assert.NotEmpty(call.HoldFrames);
            Assert.Equal(HoldSignal.StartMark, call.Marks[0].Name);
        }
        else
        {
            Assert.Empty(call.HoldFrames);
            Assert.Empty(call.Marks);
        }
        Assert.Empty(call.Received);
    }

    [Fact]
    public async Task PersonaPlex_mode_still_refuses_an_unsigned_stream()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var relay = await RelayUnderTest.StartAsync(model.ChatUri, model.ChatUri, ("TwilioMode", "PersonaPlex"));
        var (ws, status) = await relay.ConnectAsync(null, "/twilio/stream");
        Assert.Null(ws);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
        Assert.Empty(model.Queries);
    }
}
