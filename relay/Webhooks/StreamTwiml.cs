using Twilio.TwiML;
using Twilio.TwiML.Voice;
using VoiceEdge.Relay.Auth;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>
/// The voice webhook's answer, built with Twilio's TwiML builders: connect the call to the relay's Media Stream, with the
/// per-call token as a &lt;Parameter&gt; (a &lt;Stream&gt; URL takes no query string; parameters arrive in the stream's
/// start message, https://www.twilio.com/docs/voice/twiml/stream).
/// </summary>
public static class StreamTwiml
{
    public static string Build(string streamUrl, string callToken)
    {
        var stream = new Twilio.TwiML.Voice.Stream(url: streamUrl);
        stream.Parameter(name: TwilioCallToken.ParameterName, value: callToken);
        var connect = new Connect();
        connect.Append(stream);
        var response = new VoiceResponse();
        response.Append(connect);
        return response.ToString();
    }
}
