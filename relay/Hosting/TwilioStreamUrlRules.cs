namespace VoiceEdge.Relay.Hosting;

/// <summary>
/// Twilio's rules for a Media Stream URL, applied to <c>Relay:PublicBaseUrl</c> (the base of the <c>&lt;Stream&gt;</c>
/// URL the voice webhook answers, and of every URL Twilio signs) at start, so a relay Twilio could never stream to does
/// not start: <c>wss</c> only (Twilio error 31922, "URL Schema Not Supported"), port 443 (31910, "SSL Protocol Error":
/// Media Streams need secure WebSocket traffic on 443), and no query string (31920, "Handshake Error": a
/// <c>&lt;Stream&gt;</c> URL takes no query; values go in <c>&lt;Parameter&gt;</c>). Development only: a loopback host
/// (127.0.0.0/8, ::1, localhost) may use <c>ws</c> and any port, for the local launcher, the smoke test and the
/// benchmarks, which no real Twilio can reach anyway; the query rule still holds there.
/// </summary>
public static class TwilioStreamUrlRules
{
    /// <summary>One message per broken rule, naming Twilio's error code; empty when Twilio can stream to it.</summary>
    public static IEnumerable<string> Problems(Uri? publicBase)
    {
        if (publicBase is null) yield break;
        if (!publicBase.IsAbsoluteUri)
        {
            yield return "Relay:PublicBaseUrl must be an absolute wss:// URL such as wss://ws.example.com";
            yield break;
        }
        var loopback = publicBase.IsLoopback;
        if (publicBase.Scheme != "wss" && !(loopback && publicBase.Scheme == "ws"))
            yield return $"Relay:PublicBaseUrl must use wss:// (Twilio error 31922: Media Streams support only wss), not {publicBase.Scheme}://; "
                + "ws:// is allowed only for a loopback host in development";
        else if (publicBase.Port != 443 && !loopback)
            yield return $"Relay:PublicBaseUrl must use port 443 (Twilio error 31910: Media Streams connect over wss on port 443), not {publicBase.Port}; "
                + "leave the port out or write :443, and let Caddy serve 443";
        if (!string.IsNullOrEmpty(publicBase.Query))
            yield return "Relay:PublicBaseUrl must not have a query string (Twilio error 31920: a <Stream> URL takes no query; the relay passes values as <Parameter>)";
    }
}
