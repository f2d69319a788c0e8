using System.Net.Http.Headers;
using System.Text.Json;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// GETs JSON with a bearer token, bounded in time, and turns every way a call can go wrong into an
/// <see cref="ApiReply"/> with a reason: preflight reports failures as rows, never as exception traces.
/// Only URLs under <see cref="BaseUri"/> are called, so the token goes nowhere else (e.g. a paging link).
/// </summary>
public sealed class JsonApiClient(HttpClient http, Uri baseUri, string token)
{
    public Uri BaseUri { get; } = baseUri;

    public static HttpClient CreateHttpClient(TimeSpan timeout) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = timeout < TimeSpan.FromSeconds(10) ? timeout : TimeSpan.FromSeconds(10),
    })
    {
        Timeout = timeout,
    };

    /// <summary>A path relative to the base (<c>/zones/x</c>), or an absolute URL that must lie under the base.</summary>
    public async Task<ApiReply> GetAsync(string pathOrUrl, CancellationToken cancel)
    {
        var url = pathOrUrl.StartsWith('/') ? new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + pathOrUrl) : new Uri(pathOrUrl);
        if (!url.AbsoluteUri.StartsWith(BaseUri.AbsoluteUri.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase))
            return new ApiReply(null, null, $"refused to follow {url.GetLeftPart(UriPartial.Path)}: it is not under {BaseUri}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("voice-edge-preflight", "1"));
        try
        {
            using var response = await http.SendAsync(request, cancel).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            JsonElement? body = null;
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    body = doc.RootElement.Clone();
                }
                catch (JsonException)
                {
                    return new ApiReply(response.StatusCode, null, $"HTTP {(int)response.StatusCode} from {Where(url)} with a body that is not JSON");
                }
            }
            return new ApiReply(response.StatusCode, body, null);
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new ApiReply(null, null, $"no answer from {Where(url)} within {http.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            return new ApiReply(null, null, $"could not reach {Where(url)}: {Innermost(e).Message}");
        }
    }

    private static string Where(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
