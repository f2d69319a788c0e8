using Twilio.TwiML;
using Twilio.TwiML.Voice;
using VoiceEdge.Relay.Auth;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>
/// The voice webhook's answer, built with Twilio's TwiML builders: connect the call to the relay's Media Stream, with the
/// per-call token as a &lt;Parameter&gt; (a &lt;Stream&gt; URL takes no query string; parameters arrive in the stream's
/// start message, https://www.twilio.com/docs/voice/twiml/stream), then what Twilio does when the relay ends the stream
/// (<see cref="CallContinuation"/>): a &lt;Redirect&gt; that places the call again, or, at the bound, &lt;Say&gt; and &lt;Hangup/&gt;.
/// </summary>
public static class StreamTwiml
{
    public static string Build(string streamUrl, string callToken, CallContinuation then)
    {
        var stream = new Twilio.TwiML.Voice.Stream(url: streamUrl);
        stream.Parameter(name: TwilioCallToken.ParameterName, value: callToken);
        var connect = new Connect();
        connect.Append(stream);
        var response = new VoiceResponse();
        response.Append(connect);
        if (then.RedirectUrl is { } again)
        {
            response.Redirect(new Uri(again), Twilio.Http.HttpMethod.Post);
        }
        else
        {
            response.Say(CallContinuation.Goodbye);
            response.Hangup();
        }
        return response.ToString();
    }
}
