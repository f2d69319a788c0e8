using System.Globalization;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>
/// What the voice webhook's TwiML does after <c>&lt;/Connect&gt;</c>. Twilio resumes the TwiML there when the relay ends
/// the stream (busy 1013, backend unavailable 1011, draining 1012, ...; https://www.twilio.com/docs/voice/twiml/stream),
/// and with nothing there it hangs up on the caller in silence. So the TwiML goes on with a <c>&lt;Redirect&gt;</c> back
/// to the voice webhook, which places the call again, counting the tries in the redirect URL's query
/// (<c>?attempt=N</c>; Twilio signs the full URL, query included, so the redirected request verifies like the first).
/// Once <c>Relay:TwilioRedirectAttempts</c> tries were made, it says <see cref="Goodbye"/> and hangs up.
/// </summary>
/// <param name="RedirectUrl">The voice webhook's public URL with the next attempt, or null once the bound is reached.</param>
public sealed record CallContinuation(string? RedirectUrl)
{
    public const string AttemptParameter = "attempt";

    public const string Goodbye = "Sorry, the voice agent is not available right now. Please call again later.";

    /// <param name="voiceUrl">The voice webhook's public https URL, without a query.</param>
    /// <param name="attempt">The request's <c>attempt</c> query value: absent on Twilio's first request.</param>
    /// <param name="maxAttempts">How many times the call may be placed again.</param>
    public static CallContinuation For(string voiceUrl, string? attempt, int maxAttempts)
    {
        var made = Made(attempt, maxAttempts);
        return new(made < maxAttempts ? $"{voiceUrl}?{AttemptParameter}={(made + 1).ToString(CultureInfo.InvariantCulture)}" : null);
    }

    /// <summary>Tries already made: 0 without the parameter; anything but a small whole number counts as the bound (no loop).</summary>
    private static int Made(string? attempt, int maxAttempts) =>
        attempt is null ? 0
        : attempt.Length is > 0 and <= 3 && attempt.All(char.IsAsciiDigit) ? Math.Min(int.Parse(attempt, CultureInfo.InvariantCulture), maxAttempts)
        : maxAttempts;
}
