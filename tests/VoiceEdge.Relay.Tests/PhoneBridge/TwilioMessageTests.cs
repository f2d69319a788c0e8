using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

public class TwilioMessageTests
{
    // Shapes from https://www.twilio.com/docs/voice/media-streams/websocket-messages
    [Fact]
    public void Reads_a_documented_start_message()
    {
        var start = Assert.IsType<TwilioStart>(TwilioMessage.Parse("""
            {"event":"start","sequenceNumber":"1","start":{"accountSid":"AC123","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0",
             "callSid":"CA123","tracks":["inbound"],"customParameters":{"FirstName":"Jane"},
             "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}
            """u8));
        Assert.Equal("MZ18ad3ab5a668481ce02b83e7395059f0", start.StreamSid);
        Assert.Equal("CA123", start.CallSid);
        Assert.Equal(TwilioMediaFormat.MuLaw8kMono, start.MediaFormat);
        Assert.Equal("Jane", start.CustomParameters["FirstName"]);
    }

    [Fact]
    public void Reads_media_stop_and_tolerates_other_events()
    {
        var media = Assert.IsType<TwilioMedia>(TwilioMessage.Parse("""
            {"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/38A"},"streamSid":"MZ1"}
            """u8));
        Assert.Equal(new byte[] { 0xFF, 0x7F, 0x00 }, media.Payload);
        Assert.IsType<TwilioStop>(TwilioMessage.Parse("""{"event":"stop","sequenceNumber":"5","stop":{"callSid":"CA1"},"streamSid":"MZ1"}"""u8));
        Assert.Equal("mark", Assert.IsType<TwilioOther>(TwilioMessage.Parse("""{"event":"mark","mark":{"name":"x"}}"""u8)).Event);
    }

    [Fact]
    public void Writes_a_media_message_for_the_stream()
    {
        var json = System.Text.Encoding.UTF8.GetString(TwilioOutbound.Media("MZ1", [0xFF, 0x7F, 0x00]));
        Assert.Equal("""{"event":"media","streamSid":"MZ1","media":{"payload":"/38A"}}""", json);
    }
}
