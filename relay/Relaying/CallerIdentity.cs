using System.Net.WebSockets;

namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// Who is calling, as the Worker signed it into a v2 relay token: the user's <c>sub</c> and the client IP the Worker saw.
/// Both are null for a v1 token and for Twilio streams. The endpoint attaches it to the request; the session passes it
/// to the backend (<see cref="ApplyTo"/>) and names the user in the call's log line (<see cref="LogUser"/>).
/// </summary>
public sealed record CallerIdentity(string? User, string? ClientIp)
{
    public const string UserHeader = "X-Voice-Edge-User";
    public const string ForwardedForHeader = "X-Forwarded-For";

    public static readonly CallerIdentity Unknown = new(null, null);

    /// <summary>The user as the log line carries it: percent-encoded (one line per call, whatever the sub holds), "-" when unknown.</summary>
    public string LogUser => User is null ? "-" : Uri.EscapeDataString(User);

    public static void Attach(HttpContext context, CallerIdentity caller) => context.Features.Set(caller);

    public static CallerIdentity Of(HttpContext context) => context.Features.Get<CallerIdentity>() ?? Unknown;

    /// <summary>
    /// The backend's extra request headers. The user goes percent-encoded as UTF-8 (RFC 3986 unreserved characters as
    /// they are), since a sub may hold anything and a header may not; X-Forwarded-For holds the signed client IP alone
    /// (checked to be address text when the token was), never a header the caller sent. The backend connection is a
    /// new request, so no caller-sent header reaches it. Values hold no CR, LF or non-ASCII character.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> BackendHeaders
    {
        get
        {
            var headers = new List<(string, string)>(2);
            if (User is not null) headers.Add((UserHeader, Uri.EscapeDataString(User)));
            if (ClientIp is not null) headers.Add((ForwardedForHeader, ClientIp));
            return headers;
        }
    }

    /// <summary>Sets <see cref="BackendHeaders"/> on the WebSocket pump's upstream connection.</summary>
    public void ApplyTo(ClientWebSocketOptions options)
    {
        foreach (var (name, value) in BackendHeaders) options.SetRequestHeader(name, value);
    }
}
