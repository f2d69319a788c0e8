namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>
/// One backend in the pool: where it is, how many calls it takes and has, whether it is up, and how each call's
/// URL is made. <see cref="PassesQueryThrough"/> is the single <c>Relay:Upstream</c> kept as a pool of one:
/// the caller's query goes on unchanged, as before pools existed.
/// </summary>
public sealed class BackendSlot(string name, Uri url, int capacity, CertificatePin? pin,
    IReadOnlyDictionary<string, string> defaultQuery, bool passesQueryThrough)
{
    public string Name { get; } = name;
    public Uri Url { get; } = url;
    public int Capacity { get; } = capacity;
    public CertificatePin? Pin { get; } = pin;
    public bool PassesQueryThrough { get; } = passesQueryThrough;

    /// <summary>Calls holding a slot now; guarded by the pool's lock.</summary>
    internal int Busy { get; set; }

    /// <summary>False after a failed connect, until a probe (or a call) reaches it again; guarded by the pool's lock.</summary>
    internal bool IsUp { get; set; } = true;

    internal bool IsProbing { get; set; }

    /// <summary>Calls in a row that it upgraded and dropped before the 0x00 handshake; guarded by the pool's lock.</summary>
    internal int HandshakeDrops { get; set; }

    internal bool HasRoom => Busy < Capacity;

    public Uri UrlFor(QueryString query, IReadOnlySet<string> allowedKeys) => PassesQueryThrough
        ? new RelayRoute(Name, Url).UpstreamFor(query)
        : BackendQuery.For(Url, defaultQuery, allowedKeys, query);
}
