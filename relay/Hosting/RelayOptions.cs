using System.ComponentModel.DataAnnotations;
using VoiceEdge.Relay.Relaying.Pool;

namespace VoiceEdge.Relay.Hosting;

/// <summary>The relay's settings, section <c>Relay</c> (environment: <c>Relay__Upstream</c> and so on).</summary>
public sealed class RelayOptions : IValidatableObject
{
    public const string Section = "Relay";

    /// <summary>Voice backend for /api/chat, e.g. PersonaPlex at ws://127.0.0.1:8998/api/chat; a pool of one when <see cref="Backends"/> is empty.</summary>
    public Uri? Upstream { get; set; }

    /// <summary>The voice backends of /api/chat (Relay__Backends__0__Url, ...); when set, <see cref="Upstream"/> is not used for /api/chat.</summary>
    public List<BackendOptions> Backends { get; set; } = [];

    /// <summary>How long a call waits for a free backend slot before it is closed with 1013.</summary>
    [Range(0, 600)] public int QueueSeconds { get; set; } = 10;

    /// <summary>Calls that may wait at once; the next is refused before the upgrade with 503.</summary>
    [Range(0, 100_000)] public int QueueLength { get; set; } = 100;

    /// <summary>How often a backend marked down is probed (TCP connect).</summary>
    [Range(1, 300)] public int ProbeSeconds { get; set; } = 5;

    /// <summary>Calls in a row a backend may upgrade and then drop before its 0x00 handshake before it is marked down.</summary>
    [Range(1, 1000)] public int HandshakeDropLimit { get; set; } = 3;

    /// <summary>How long a backend marked down for dropping calls before their handshake stays down (a TCP probe cannot tell).</summary>
    [Range(1, 86_400)] public int HandshakeDropDownSeconds { get; set; } = 60;

    /// <summary>Query keys a caller may set for a <see cref="Backends"/> backend (over its DefaultQuery); all others are dropped.</summary>
    public List<string> AllowedQueryKeys { get; set; } = [];

    /// <summary>The first voice backend, for /health.</summary>
    public Uri? VoiceUpstream => Backends.Count > 0 ? Backends[0].Url : Upstream;

    /// <summary>Backend for Twilio Media Streams (/twilio/stream).</summary>
    [Required] public Uri? TwilioUpstream { get; set; }

    /// <summary>The key shared with the Worker, as text; its UTF-8 bytes sign relay tokens.</summary>
    [Required, MinLength(16)] public string? SigningKey { get; set; }

    /// <summary>
    /// Rotation, step 1 (docs/operations.md "Rotating the signing key"): the new key, accepted beside
    /// <see cref="SigningKey"/> before the Worker signs with it. Unset outside a rotation.
    /// </summary>
    [MinLength(16)] public string? NextSigningKey { get; set; }

    /// <summary>Rotation, step 2: the old key, still accepted while the Worker may sign with it. Unset after the rotation.</summary>
    [MinLength(16)] public string? PreviousSigningKey { get; set; }

    /// <summary>
    /// The keys relay tokens and Twilio call tokens are checked against; the first signs. A method, not a property:
    /// validation reads every property, and this one needs a valid <see cref="SigningKey"/>.
    /// </summary>
    public Auth.SigningKeys AcceptedSigningKeys() => new(SigningKey!, NextSigningKey, PreviousSigningKey);

    /// <summary>Twilio auth token; /twilio/stream, /twilio/voice and /twilio/status refuse every request without it.</summary>
    public string? TwilioAuthToken { get; set; }

    /// <summary>
    /// The secret of the SharedKey of a Twilio Webhook Setting (Webhooks configuration API, public beta): when a Webhook
    /// Rule matches the relay's webhook URLs, Twilio signs them with this key instead of the auth token and says so in
    /// <c>X-Twilio-Webhooks-Signature-Settings: key=...,algorithm=HMAC_SHA256</c>. Unset: such requests are refused (503).
    /// </summary>
    public string? TwilioWebhookSharedKey { get; set; }

    /// <summary>
    /// The Twilio account (AC + 32 hex digits) whose calls the relay takes: a voice webhook or stream start of another
    /// account is refused. /twilio/voice, /twilio/status and /twilio/stream refuse every request without it.
    /// </summary>
    public string? TwilioAccountSid { get; set; }

    /// <summary>How long the per-call token in the voice webhook's TwiML stays valid (the stream must start within it).</summary>
    [Range(5, 3600)] public int TwilioCallTokenSeconds { get; set; } = 60;

    /// <summary>
    /// How many times the voice webhook's TwiML places a call again (a &lt;Redirect&gt; back to /twilio/voice?attempt=N)
    /// when the relay ends its stream; after that it says sorry and hangs up (Webhooks/CallContinuation.cs).
    /// </summary>
    [Range(0, 10)] public int TwilioRedirectAttempts { get; set; } = 2;

    /// <summary>True when the Twilio routes can take calls: both the auth token and the account SID are set.</summary>
    public bool TwilioConfigured => !string.IsNullOrEmpty(TwilioAuthToken) && !string.IsNullOrEmpty(TwilioAccountSid);

    /// <summary>/twilio/stream: <c>Passthrough</c> relays to TwilioUpstream; <c>PersonaPlex</c> bridges the call to PersonaPlex there.</summary>
    public PhoneBridge.TwilioMode TwilioMode { get; set; } = PhoneBridge.TwilioMode.Passthrough;

    /// <summary>
    /// <c>PersonaPlex</c> mode: play soft comfort noise to the caller from the stream's start until the model's first
    /// audio (the dial, the queue, PersonaPlex's handshake) instead of silence (PhoneBridge/HoldSignal.cs).
    /// </summary>
    public bool PhoneBridgeHoldSignal { get; set; } = true;

    /// <summary>The public base Twilio dials and signs, e.g. wss://ws.example.com: wss, port 443, no query (<see cref="TwilioStreamUrlRules"/>).</summary>
    [Required] public Uri? PublicBaseUrl { get; set; }

    [Range(1, 100_000)] public int MaxConnections { get; set; } = 1000;

    /// <summary>Largest message relayed either way; a bigger one closes the call with 1009.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxMessageBytes { get; set; } = 1024 * 1024;

    [Range(1, 86_400)] public int IdleTimeoutSeconds { get; set; } = 300;

    [Range(1, 120)] public int UpstreamConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>WebSocket keep-alive both ways, well under Cloudflare's ~100 s idle limit.</summary>
    [Range(0, 3600)] public int KeepAliveSeconds { get; set; } = 20;

    /// <summary>On SIGTERM: how long open calls may continue before they are closed with 1012.</summary>
    [Range(0, 3600)] public int DrainGraceSeconds { get; set; } = 10;

    /// <summary>Concurrent calls one user (the sub in a v2 relay token) may hold; the next is refused with 429.</summary>
    [Range(1, 100_000)] public int MaxCallsPerUser { get; set; } = 2;

    /// <summary>
    /// Whether v1 relay tokens (no user, no client IP) are still accepted: true during the rollout window, until every
    /// Worker mints v2 (relay/README.md "Relay token v2 rollout"); then false, and a v1 token is refused with 403.
    /// </summary>
    public bool AcceptV1Tokens { get; set; } = true;

    [Range(1, 3600)] public int TokenMaxLifetimeSeconds { get; set; } = 60;

    [Range(0, 300)] public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>How long /health reuses a backend probe, so /health cannot be used to hammer the backends.</summary>
    [Range(1, 300)] public int HealthCacheSeconds { get; set; } = 5;

    /// <summary>
    /// Size of each relay buffer; with one buffer per direction this bounds a call's memory. 4 KiB: voice frames are a
    /// few hundred bytes, and against 16 KiB it took ~19 KiB less RSS per call at 2,000 calls (bench/README.md).
    /// </summary>
    [Range(1024, 1024 * 1024)] public int BufferBytes { get; set; } = 4 * 1024;

    /// <summary>How calls are relayed: <c>Frames</c> (bytes, parsing only frame headers) or <c>WebSocket</c> (the older pump).</summary>
    [RegularExpression("(?i)^(Frames|WebSocket)$", ErrorMessage = "Relay:Forwarder must be Frames or WebSocket")]
    public string Forwarder { get; set; } = "Frames";

    /// <summary>
    /// Kestrel's transport: <c>Epoll</c> (Linux: the relay's own edge-triggered event loop, whose sockets the frame
    /// forwarder takes over after the 101 so each frame is one recv and one send on the loop's thread) or <c>Sockets</c>
    /// (Kestrel's default, .NET's socket engine). Elsewhere than Linux it is always <c>Sockets</c>. Read at start-up.
    /// </summary>
    [RegularExpression("(?i)^(Epoll|Sockets)$", ErrorMessage = "Relay:Transport must be Epoll or Sockets")]
    public string Transport { get; set; } = "Epoll";

    /// <summary>
    /// SO_SEND buffer of each socket of a call (client side and upstream side), in bytes; 0 leaves it to the kernel's
    /// autotuning (up to net.ipv4.tcp_wmem's maximum, 4 MiB by default). A reader that falls behind makes the kernel
    /// hold up to that much per socket; voice at 64 kbit/s needs a few KiB. Like nginx's <c>listen ... sndbuf=</c>;
    /// Linux doubles the value for its bookkeeping. Read at start-up.
    /// </summary>
    [Range(0, 16 * 1024 * 1024)] public int SocketSendBufferBytes { get; set; }

    /// <summary>
    /// The build this relay runs (the deploy sets the package's hash; <c>dev</c> otherwise): in <c>/health</c>,
    /// <c>/health/live</c>, the <c>voice_edge_relay_build_info</c> metric and every call's log line, so during a
    /// hand-over each relay says which build it is and how many calls it still holds.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "Relay:Build must be 1-64 letters, digits, '.', '_' or '-'")]
    public string Build { get; set; } = "dev";

    /// <summary>
    /// A listening socket to serve on instead of binding <c>--urls</c>: a descriptor this process inherited. Set it
    /// for a socket passed by hand; systemd's socket activation (<c>LISTEN_FDS</c>, <c>LISTEN_PID</c>) is read without
    /// it. A relay on an inherited socket hands over on SIGTERM (<see cref="HandoverMaxMinutes"/>).
    /// </summary>
    [Range(0, int.MaxValue)] public int? ListenFd { get; set; }

    /// <summary>
    /// On an inherited listening socket, SIGTERM means another relay now serves the same socket: this one stops
    /// accepting and keeps every open call until it ends, at most this long, then closes the rest with 1012.
    /// </summary>
    [Range(0.01, 1440)] public double HandoverMaxMinutes { get; set; } = 120;

    /// <summary>Event-loop threads of the epoll transport. One carries a 2-vCPU VM's calls with the least CPU per frame (bench/README.md).</summary>
    [Range(1, 64)] public int EpollThreads { get; set; } = 1;

    /// <summary>True when Kestrel runs on the relay's epoll transport: Linux and <c>Transport=Epoll</c>.</summary>
    public bool UsesEpollTransport => OperatingSystem.IsLinux() && string.Equals(Transport, "Epoll", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <c>Relay__Forwarder=WebSocket</c> selects the older System.Net.WebSockets pump.</summary>
    public bool UsesWebSocketPump => string.Equals(Forwarder, "WebSocket", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(NextSigningKey) && !string.IsNullOrEmpty(PreviousSigningKey))
            yield return new("Relay:NextSigningKey and Relay:PreviousSigningKey are two steps of one rotation: set one of them (docs/operations.md \"Rotating the signing key\")",
                [nameof(NextSigningKey), nameof(PreviousSigningKey)]);
        if (!string.IsNullOrEmpty(SigningKey) && (SigningKey == NextSigningKey || SigningKey == PreviousSigningKey))
            yield return new("Relay:NextSigningKey and Relay:PreviousSigningKey must differ from Relay:SigningKey (a rotation needs a new key)",
                [nameof(NextSigningKey), nameof(PreviousSigningKey)]);
        if (!string.IsNullOrEmpty(TwilioAccountSid) && !Auth.TwilioCallToken.IsAccountSid(TwilioAccountSid))
            yield return new("Relay:TwilioAccountSid must be AC followed by 32 hex digits (the Account SID in the Twilio console)", [nameof(TwilioAccountSid)]);
        if (Upstream is null && Backends.Count == 0)
            yield return new("Relay:Upstream or Relay:Backends is required (e.g. Relay__Upstream=ws://127.0.0.1:8998/api/chat)", [nameof(Upstream)]);
        for (var i = 0; i < Backends.Count; i++)
        {
            var b = Backends[i];
            var key = $"Relay:Backends:{i}";
            if (b.Url is null || !b.Url.IsAbsoluteUri || b.Url.Scheme is not ("ws" or "wss"))
                yield return new($"{key}:Url must be an absolute ws:// or wss:// URL", [nameof(Backends)]);
            else if (b.CertificateSha256 is not null && b.Url.Scheme != "wss")
                yield return new($"{key}:CertificateSha256 is only for wss:// backends", [nameof(Backends)]);
            if (b.Capacity is < 1 or > 100_000)
                yield return new($"{key}:Capacity must be 1 to 100000 (PersonaPlex: 1)", [nameof(Backends)]);
            if (b.CertificateSha256 is not null && !CertificatePin.TryParse(b.CertificateSha256, out _))
                yield return new($"{key}:CertificateSha256 must be the SHA-256 of the DER certificate as 64 hex digits (colons allowed) or 44 base64 characters", [nameof(Backends)]);
        }
        foreach (var problem in PersonaPlexQuery.Problems(this))
            yield return new(problem, [nameof(Backends)]);
        foreach (var problem in TwilioStreamUrlRules.Problems(PublicBaseUrl))
            yield return new(problem, [nameof(PublicBaseUrl)]);
    }
}
