using System.Collections.Specialized;
using Microsoft.AspNetCore.Http.Features;
using Twilio.Security;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Webhooks;

/// <summary>A Twilio webhook request that passed the checks: its form parameters.</summary>
public sealed record VerifiedWebhook(IFormCollection Form)
{
    public string? this[string name] => Form.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;
}

/// <summary>Why a webhook request was refused: the HTTP status, the metric label and the (secret-free) answer text.</summary>
public sealed record WebhookRefusal(int Status, string Outcome, string Message);

/// <summary>
/// Checks a Twilio webhook POST (https://www.twilio.com/docs/usage/webhooks/webhooks-security): <c>X-Twilio-Signature</c>
/// is base64 HMAC-SHA1(auth token, the full URL Twilio requested + the POST parameters sorted by name, each name then
/// value), checked with the Twilio SDK's <see cref="RequestValidator"/>; under a Webhook Rule, HMAC-SHA256 (or the algorithm
/// <c>X-Twilio-Webhooks-Signature-Settings</c> names) with the Setting's SharedKey (<see cref="RelayOptions.TwilioWebhookSharedKey"/>),
/// the same signed text (https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys); the form's <c>AccountSid</c> must be the
/// configured account. The URL is the one configured on the phone number: the public base with the scheme Twilio uses
/// for HTTP (<see cref="PublicHttpUrl"/>), the path and the request's query string.
/// <list type="bullet">
/// <item>503: the relay has no Twilio auth token or account SID, or the request names a shared key and the relay has none
/// (Twilio then tries the number's fallback URL);</item>
/// <item>401: no signature; 403: a signature that does not match, or another account;</item>
/// <item>413: a body over <see cref="MaxBodyBytes"/>; 400: a body that is not a form.</item>
/// </list>
/// </summary>
public static class TwilioWebhookRequest
{
    public const string SignatureHeader = "X-Twilio-Signature";

    /// <summary>Twilio's webhook bodies are a few kilobytes; nothing unauthenticated gets to send more.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The public https URL of <paramref name="path"/>: Twilio dials the relay's host over HTTPS for webhooks and over WSS
    /// for the stream, so the scheme of Relay:PublicBaseUrl maps wss to https and ws to http (others stay); host, port and
    /// any base path stay as configured.
    /// </summary>
    public static string PublicHttpUrl(Uri publicBase, string path)
    {
        var scheme = publicBase.Scheme switch { "wss" => "https", "ws" => "http", var other => other };
        var authority = publicBase.IsDefaultPort ? publicBase.IdnHost : $"{publicBase.IdnHost}:{publicBase.Port}";
        return $"{scheme}://{authority}{publicBase.AbsolutePath.TrimEnd('/')}{path}";
    }

    /// <summary>The public URL of <paramref name="path"/> in the base's own scheme (ws/wss), e.g. the stream's.</summary>
    public static string PublicUrl(Uri publicBase, string path) =>
        publicBase.GetLeftPart(UriPartial.Authority) + publicBase.AbsolutePath.TrimEnd('/') + path;

    public static async Task<(VerifiedWebhook? Webhook, WebhookRefusal? Refusal)> VerifyAsync(HttpContext context, RelayOptions options, string path)
    {
        if (!options.TwilioConfigured)
            return (null, new(StatusCodes.Status503ServiceUnavailable, "not-configured", "Twilio webhook not configured on this relay"));
        string? signature = context.Request.Headers[SignatureHeader];
        if (string.IsNullOrEmpty(signature))
            return (null, new(StatusCodes.Status401Unauthorized, "signature-missing", "Twilio signature missing"));
        var form = await ReadFormAsync(context);
        if (form.Refusal is not null) return (null, form.Refusal);

        var parameters = new NameValueCollection();
        foreach (var (name, values) in form.Form!)
            foreach (var value in values) parameters.Add(name, value);
        var url = PublicHttpUrl(options.PublicBaseUrl!, path) + context.Request.QueryString.Value;
        var (secret, algorithm, keyRefusal) = SigningKey(context, options);
        if (keyRefusal is not null) return (null, keyRefusal);
        if (!new RequestValidator(secret!).Validate(url, parameters, signature, algorithm))
            return (null, new(StatusCodes.Status403Forbidden, "signature-invalid", "Twilio signature invalid"));
        var webhook = new VerifiedWebhook(form.Form!);
        if (!string.Equals(webhook["AccountSid"], options.TwilioAccountSid, StringComparison.Ordinal))
            return (null, new(StatusCodes.Status403Forbidden, "account-mismatch", "request is not for this relay's Twilio account"));
        return (webhook, null);
    }

    /// <summary>
    /// The key and algorithm Twilio signed with: the auth token and HMAC-SHA1, or, when a Webhook Rule applies
    /// (<c>X-Twilio-Webhooks-Signature-Settings</c>, read by the SDK's <see cref="RequestValidator.GetSignatureAlgorithm"/>),
    /// the Setting's SharedKey and the algorithm it names.
    /// </summary>
    private static (string? Secret, string? Algorithm, WebhookRefusal? Refusal) SigningKey(HttpContext context, RelayOptions options)
    {
        string? settings = context.Request.Headers[RequestValidator.SignatureSettingsHeader];
        if (string.IsNullOrEmpty(settings)) return (options.TwilioAuthToken, RequestValidator.HmacSha1, null);
        if (string.IsNullOrEmpty(options.TwilioWebhookSharedKey))
            return (null, null, new(StatusCodes.Status503ServiceUnavailable, "shared-key-not-configured", "Twilio webhook signed with a shared key this relay does not have"));
        var algorithm = RequestValidator.GetSignatureAlgorithm(settings);
        if (algorithm is not (RequestValidator.HmacSha1 or RequestValidator.HmacSha256))
            return (null, null, new(StatusCodes.Status403Forbidden, "signature-invalid", "Twilio signature invalid"));
        return (options.TwilioWebhookSharedKey, algorithm, null);
    }

    private static async Task<(IFormCollection? Form, WebhookRefusal? Refusal)> ReadFormAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        if (context.Request.ContentLength is 0 or null && !context.Request.HasFormContentType) return (FormCollection.Empty, null);
        if (!context.Request.HasFormContentType)
            return (null, new(StatusCodes.Status400BadRequest, "not-form", "expected application/x-www-form-urlencoded"));
        try
        {
            return (await context.Request.ReadFormAsync(new FormOptions { ValueCountLimit = 256, KeyLengthLimit = 256, ValueLengthLimit = MaxBodyBytes }, context.RequestAborted), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, new(StatusCodes.Status413PayloadTooLarge, "too-large", $"body larger than {MaxBodyBytes} bytes"));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return (null, new(StatusCodes.Status400BadRequest, "not-form", "body is not a valid form"));
        }
    }
}
