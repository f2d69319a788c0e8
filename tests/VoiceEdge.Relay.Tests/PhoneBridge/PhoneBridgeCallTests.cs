using System.Net.WebSockets;
using VoiceEdge.Local.StandIn;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>Whole calls over loopback WebSockets: Twilio's side, the bridge on Kestrel, a stand-in PersonaPlex.</summary>
public class PhoneBridgeCallTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    private static byte[] MuLawTone(double hz, int milliseconds, double amplitude = 6000)
    {
        var pcm = TestAudio.Sine(hz, 8000, milliseconds * 8, amplitude);
        var mulaw = new byte[pcm.Length];
        MuLaw.Encode(pcm, mulaw);
        return mulaw;
    }

    [Fact]
    public async Task The_callers_audio_reaches_the_model_and_the_models_audio_plays_on_the_call()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendConnectedAsync();
        await call.SendStartAsync();
        // Audio before PersonaPlex's handshake is dropped by design: on a busy machine, wait for it.
        for (var i = 0; i < 500 && !bridge.Logs.Any(l => l.Contains("bridge handshake", StringComparison.Ordinal)); i++) await Task.Delay(20);
        await call.PlayAsync(MuLawTone(440, 1200));
        // Let the paced echo play out, then hang up as Twilio does.
        for (var i = 0; i < 100 && call.Received.Length < 160 * 40; i++) await Task.Delay(20);
        await Task.Delay(300);
        await call.SendStopAsync();
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);

        Assert.Equal("caller-ended", end.Reason);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
        Assert.Contains("voice_prompt=NATF2.pt", Assert.Single(model.Queries), StringComparison.Ordinal);
        var head = Assert.Single(model.HeadsSeen);
        Assert.Equal((1, 8000u), (head.Channels, head.InputSampleRate));
        // 80 ms packets, as PersonaPlex sends (one per Mimi frame).
        Assert.True(model.PacketsEchoed > 8, $"stand-in echoed {model.PacketsEchoed} packets");

        Assert.Empty(call.OtherStreamSids);
        Assert.All(call.PayloadSizes, size => Assert.Equal(160, size));
        var echo = new short[call.Received.Length];
        MuLaw.Decode(call.Received, echo);
        Assert.True(echo.Length >= 160 * 20, $"{echo.Length} samples came back");
        var steady = echo.AsSpan(800, echo.Length - 1600);
        Assert.True(TestAudio.ToneShare(steady, 440, 8000) > 0.8, $"440 Hz share {TestAudio.ToneShare(steady, 440, 8000):F2}");
        Assert.InRange(TestAudio.Rms(steady), 6000 / Math.Sqrt(2) * 0.6, 6000 / Math.Sqrt(2) * 1.3);

        var logs = string.Join('\n', bridge.Logs);
        Assert.Contains($"bridge transcript session=test-call text={StandInPersonaPlex.Greeting}", logs, StringComparison.Ordinal);
        Assert.Contains("bridge handshake session=test-call", logs, StringComparison.Ordinal);
        Assert.Contains("bridge opus: Native", logs, StringComparison.Ordinal);
        Assert.Contains("reason=caller-ended", logs, StringComparison.Ordinal);
        var metrics = await bridge.MetricsTextAsync();
        Assert.Contains("voice_edge_bridge_transcript_messages_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"voice_edge_bridge_transcript_chars_total {StandInPersonaPlex.Greeting.Length}", metrics, StringComparison.Ordinal);
        Assert.Contains("voice_edge_bridge_calls_total{opus=\"native\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_before_the_handshake_is_dropped_and_counted()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.FromSeconds(30);
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendStartAsync();
        var tone = MuLawTone(440, 200);
        for (var i = 0; i < 10; i++) await call.SendMediaAsync(tone.AsSpan(i * 160, 160));
        await call.SendStopAsync();
        await call.WaitClosedAsync(Bounded);
        await bridge.Ended.Task.WaitAsync(Bounded);
        Assert.Empty(model.HeadsSeen);
        Assert.Contains("voice_edge_bridge_dropped_frames_total{reason=\"before-handshake\"} 10", await bridge.MetricsTextAsync(), StringComparison.Ordinal);
        Assert.Contains("droppedBeforeHandshake=10", string.Join('\n', bridge.Logs), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StandInBehaviour.Close, "backend-closed", "voice backend closed the call (1000 conversation over)")]
    [InlineData(StandInBehaviour.GarbageAudio, "backend-invalid", "capture pattern")]
    [InlineData(StandInBehaviour.UnknownKind, "backend-invalid", "unknown message kind 0x07")]
    public async Task A_backend_that_closes_or_sends_garbage_ends_the_twilio_stream_cleanly(StandInBehaviour behaviour, string reason, string detail)
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.Behaviour = behaviour;
        model.HandshakeDelay = TimeSpan.Zero;
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        try
        {
            await call.SendStartAsync();
        }
        catch (WebSocketException)
        {
            // The bridge may have ended the call before Twilio's start: that is what is tested.
        }
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);

        Assert.Equal(reason, end.Reason);
        Assert.Contains(detail, end.Detail, StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
        Assert.Contains(detail, call.CloseReason, StringComparison.Ordinal);
        Assert.Contains($"reason={reason}", string.Join('\n', bridge.Logs), StringComparison.Ordinal);
        if (behaviour != StandInBehaviour.Close)
        {
            for (var i = 0; i < 100 && model.ClosesReceived.IsEmpty; i++) await Task.Delay(20);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, Assert.Single(model.ClosesReceived).Status);
        }
    }

    [Theory]
    [InlineData("{\"event\":\"media\",", "not JSON")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("{\"event\":\"media\",\"media\":{\"payload\":\"***not base64***\"}}", "not base64")]
    [InlineData("{\"event\":\"start\",\"start\":{\"streamSid\":\"MZ1\"}}", "no \"mediaFormat\" object")]
    [InlineData("{\"nothing\":1}", "no \"event\" string")]
    public async Task Malformed_twilio_messages_close_with_1007_and_the_model_is_let_go(string message, string detail)
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.HandshakeDelay = TimeSpan.Zero;
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendStartAsync();
        await call.SendTextAsync(message);
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, call.CloseStatus);
        Assert.Contains(detail, call.CloseReason, StringComparison.Ordinal);
        Assert.Equal("twilio-malformed", end.Reason);
        // Let go: the model holds no conversation and no waiting caller. The malformed message may arrive while the
        // bridge is still dialling (it reads Twilio meanwhile), before or after the upgrade: then the dial is
        // abandoned and the model sees its connection end rather than a close frame. A close it did get is 1000.
        for (var i = 0; i < 250 && (model.InConversation > 0 || model.Waiting > 0); i++)
            await Task.Delay(20);
        Assert.Equal(0, model.InConversation);
        Assert.Equal(0, model.Waiting);
        Assert.All(model.ClosesReceived, c => Assert.Equal(WebSocketCloseStatus.NormalClosure, c.Status));
    }

    [Fact]
    public async Task A_start_announcing_another_media_format_is_refused_with_the_reason()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendStartAsync("audio/x-l16", 16000, 1);
        await call.WaitClosedAsync(Bounded);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, call.CloseStatus);
        Assert.Equal("unsupported media format audio/x-l16 16000 Hz 1 ch; the bridge takes audio/x-mulaw 8000 Hz 1 ch", call.CloseReason);
    }

    [Fact]
    public async Task An_unreachable_backend_closes_the_stream_with_1011()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var bridge = await BridgeHost.StartAsync(new Uri($"ws://127.0.0.1:{port}/api/chat?voice_prompt=x"));
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.WaitClosedAsync(Bounded);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, call.CloseStatus);
        Assert.StartsWith("voice backend unavailable", call.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backend_that_never_hands_shake_ends_the_call_after_the_limit()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        model.Behaviour = StandInBehaviour.NoHandshake;
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri, new PhoneBridgeOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendStartAsync();
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);
        Assert.Equal("backend-no-handshake", end.Reason);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, call.CloseStatus);
    }

    [Fact]
    public async Task A_relay_drain_closes_the_call_with_1012_and_lets_the_model_go()
    {
        await using var model = await StandInPersonaPlex.StartAsync();
        await using var bridge = await BridgeHost.StartAsync(model.ChatUri);
        using var call = new TwilioCall();
        await call.ConnectAsync(bridge.StreamUri);
        await call.SendStartAsync();
        await call.SendMediaAsync(MuLawTone(440, 20));
        for (var i = 0; i < 250 && !bridge.Logs.Any(l => l.Contains("bridge handshake", StringComparison.Ordinal)); i++) await Task.Delay(20);
        await bridge.Draining.CancelAsync();
        await call.WaitClosedAsync(Bounded);
        var end = await bridge.Ended.Task.WaitAsync(Bounded);
        Assert.Equal("relay-stopping", end.Reason);
        Assert.Equal((WebSocketCloseStatus)1012, call.CloseStatus);
        for (var i = 0; i < 100 && model.ClosesReceived.IsEmpty; i++) await Task.Delay(20);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, Assert.Single(model.ClosesReceived).Status);
    }
}
