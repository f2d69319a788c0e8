using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>Relay__Forwarder: a wrong value stops the relay at start with a line naming the setting.</summary>
public class ForwarderSettingTests
{
    [Fact]
    public async Task An_unknown_forwarder_is_refused_at_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RelayUnderTest.StartAsync(new Uri("ws://127.0.0.1:9/api/chat"), null, ("Forwarder", "yarp")));
        Assert.Contains("Relay:Forwarder must be Frames or WebSocket", string.Join('\n', error.Failures));
    }

    [Theory]
    [InlineData("Frames", false)]
    [InlineData("websocket", true)]
    [InlineData("WebSocket", true)]
    public void The_setting_selects_the_pump_case_insensitively(string value, bool pump) =>
        Assert.Equal(pump, new RelayOptions { Forwarder = value }.UsesWebSocketPump);
}
