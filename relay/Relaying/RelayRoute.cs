namespace VoiceEdge.Relay.Relaying;

/// <summary>One relayed WebSocket path: what it is called in metrics and logs, and where it goes.</summary>
public sealed record RelayRoute(string Name, Uri Upstream)
{
    /// <summary>The upstream URL for one call: the client's query string is passed on.</summary>
    public Uri UpstreamFor(QueryString query)
    {
        if (!query.HasValue) return Upstream;
        var builder = new UriBuilder(Upstream);
        var existing = builder.Query.TrimStart('?');
        var extra = query.Value!.TrimStart('?');
        builder.Query = existing.Length == 0 ? extra : $"{existing}&{extra}";
        return builder.Uri;
    }
}
