using System.Globalization;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>
/// What the voice webhook's TwiML does after <c>&lt;/Connect&gt;</c>. Twilio resumes the TwiML there when the relay ends
/// the stream (busy 1013, backend unavailable 1011, draining 1012, ...; https://www.twilio.com/docs/voice/twiml/stream),
/// and with nothing there it hangs up on the caller in silence. So the TwiML goes on with a <c>&lt;Redirect&gt;</c> back
/// to the voice webhook, which places the call again, counting the tries in the redirect URL's query
/// (<c>?attempt=N</c>; Twilio signs the full URL, query included, so the redirected request verifies like the first).
/// Once <c>Relay:TwilioRedirectAttempts</c> tries were made, it says <see cref="Goodbye"/> and hangs up.
/// In a fleet the redirect goes to another relay's voice webhook than the one the stream went to, and names that
/// stream's relay (<c>&amp;avoid=&lt;name&gt;</c>, signed by Twilio with the rest of the URL), so a call whose relay died is
/// placed on a live one.
/// </summary>
/// <param name="RedirectUrl">The voice webhook's public URL with the next attempt, or null once the bound is reached.</param>
public sealed record CallContinuation(string? RedirectUrl)
{
    public const string AttemptParameter = "attempt";

    /// <summary>The relay the call's previous placement streamed to (fleet only).</summary>
    public const string AvoidParameter = "avoid";

    public const string Goodbye = "Sorry, the voice agent is not available right now. Please call again later.";

    /// <param name="voiceUrl">The voice webhook's public https URL, without a query.</param>
    /// <param name="attempt">The request's <c>attempt</c> query value: absent on Twilio's first request.</param>
    /// <param name="maxAttempts">How many times the call may be placed again.</param>
    /// <param name="avoid">Fleet only: the relay this placement streams to, for the next placement to avoid.</param>
    public static CallContinuation For(string voiceUrl, string? attempt, int maxAttempts, string? avoid = null)
    {
        var made = Made(attempt, maxAttempts);
        var then = avoid is null ? "" : $"&{AvoidParameter}={Uri.EscapeDataString(avoid)}";
        return new(made < maxAttempts ? $"{voiceUrl}?{AttemptParameter}={(made + 1).ToString(CultureInfo.InvariantCulture)}{then}" : null);
    }

    /// <summary>Tries already made: 0 without the parameter; anything but a small whole number counts as the bound (no loop).</summary>
    public static int Made(string? attempt, int maxAttempts) =>
        attempt is null ? 0
        : attempt.Length is > 0 and <= 3 && attempt.All(char.IsAsciiDigit) ? Math.Min(int.Parse(attempt, CultureInfo.InvariantCulture), maxAttempts)
        : maxAttempts;
}
