using Microsoft.Extensions.Options;
using Prometheus;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Observability;
using VoiceEdge.Relay.PhoneBridge;
using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Transport;
using VoiceEdge.Relay.Webhooks;

namespace VoiceEdge.Relay.Hosting;

/// <summary>Builds the relay: configuration the ASP.NET way (appsettings, Relay__* environment, --urls).</summary>
public static class RelayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // The relay never blocks, so with inline socket completions on (the systemd unit sets them) Kestrel may run
        // its connections' continuations on the socket threads too instead of hopping to the thread pool per frame.
        // Kestrel's socket transport can be tuned from configuration too (section SocketTransport, e.g. environment
        // SocketTransport__IOQueueCount=1); bench/relay/compare.mjs measures such settings side by side.
        // Read before the options are bound (the transports are set up while the host is built); validation still refuses a bad value at start.
        var sendBufferBytes = Math.Max(0, builder.Configuration.GetSection(RelayOptions.Section).GetValue(nameof(RelayOptions.SocketSendBufferBytes), 0));
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1";
            builder.Configuration.GetSection("SocketTransport").Bind(o);
            // Accepted sockets inherit the listening socket's send buffer.
            if (sendBufferBytes > 0)
                o.CreateBoundListenSocket = endPoint =>
                {
                    var socket = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint);
                    socket.SendBufferSize = sendBufferBytes;
                    return socket;
                };
        });
        UseEpollTransportWhenChosen(builder, sendBufferBytes);
        var inherited = InheritedListener.Find(builder.Configuration);
        if (inherited is { } fd)
            // Serve on the inherited socket; --urls (and ASPNETCORE_URLS) are then ignored, as Kestrel logs.
            builder.WebHost.ConfigureKestrel(k => k.ListenHandle((ulong)fd));
        builder.Services.AddSingleton(new ListenerOrigin(inherited is not null));
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        builder.Services.AddOptions<RelayOptions>().Bind(builder.Configuration.GetSection(RelayOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RelayOptions>>().Value;
            return new RelayToken(o.AcceptedSigningKeys(), TimeSpan.FromSeconds(o.TokenMaxLifetimeSeconds), TimeSpan.FromSeconds(o.ClockSkewSeconds), o.AcceptV1Tokens);
        });
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RelayOptions>>().Value;
            return new TwilioCallToken(o.AcceptedSigningKeys(), TimeSpan.FromSeconds(o.TwilioCallTokenSeconds), TimeSpan.FromSeconds(o.ClockSkewSeconds), o.Name);
        });
        builder.Services.AddSingleton(_ => new RelayMetrics(Metrics.NewCustomRegistry()));
        builder.Services.AddPhoneBridge(sp => sp.GetRequiredService<RelayMetrics>().Registry);
        builder.Services.AddSingleton<ConnectionLimiter>();
        builder.Services.AddSingleton<PerUserCallLimiter>();
        builder.Services.AddSingleton<Relaying.Forwarding.ForwardingSession>();
        builder.Services.AddSingleton<DrainCoordinator>();
        builder.Services.AddSingleton<Relaying.Pool.BackendPool>();
        builder.Services.AddSingleton<BackendReachability>();
        builder.Services.AddSingleton<Fleet.FleetHealth>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DrainCoordinator>());
        // Kestrel waits this long for open connections after it stops listening: the drain, or the whole hand-over.
        var handoverMinutes = builder.Configuration.GetValue($"{RelayOptions.Section}:{nameof(RelayOptions.HandoverMaxMinutes)}", 120.0);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = inherited is not null
            ? TimeSpan.FromMinutes(Math.Clamp(handoverMinutes, 0.01, 1440)) + TimeSpan.FromSeconds(30)
            : TimeSpan.FromSeconds(builder.Configuration.GetValue($"{RelayOptions.Section}:DrainGraceSeconds", 10) + 20));
        configure?.Invoke(builder);

        var descriptors = DescriptorLimit.RaiseSoftToHard();
        var app = builder.Build();
        if (descriptors is { } limit)
        {
            var maxConnections = app.Configuration.GetValue($"{RelayOptions.Section}:{nameof(RelayOptions.MaxConnections)}", new RelayOptions().MaxConnections);
            if ((ulong)DescriptorLimit.Needed(maxConnections) > limit.Soft)
                DescriptorLimit.TooFew(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DescriptorLimit)), maxConnections,
                    DescriptorLimit.Needed(maxConnections), DescriptorLimit.PerCall, DescriptorLimit.Reserve, limit.Soft);
        }
        // A setting that chose the removed WebSocket pump is ignored, as the configuration binder ignores any key it does
        // not know, but said once at start so whoever still sets it learns it does nothing.
        if (app.Configuration[$"{RelayOptions.Section}:Forwarder"] is { } retired)
            ForwardingLog.ForwarderSettingIgnored(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RelayApp)), retired);
        BuildMetrics.Register(app.Services.GetRequiredService<RelayMetrics>().Registry,
            app.Services.GetRequiredService<IOptions<RelayOptions>>().Value.Build, app.Services.GetRequiredService<DrainCoordinator>());
        if (app.Services.GetService<Transport.EpollLoops>() is { } loops)
            TransportMetrics.Register(app.Services.GetRequiredService<RelayMetrics>().Registry, loops);
        app.UseWebSockets();
        app.MapHealth();
        app.MapGet("/metrics", async (HttpContext context, RelayMetrics metrics) =>
        {
            context.Response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapRelay();
        app.MapTwilioWebhooks();
        return app;
    }

    /// <summary>
    /// Replaces Kestrel's socket transport with the epoll one (<see cref="Transport.EpollTransportFactory"/>) unless
    /// <c>Relay:Transport</c> says <c>Sockets</c> or this is not Linux.
    /// </summary>
    private static void UseEpollTransportWhenChosen(WebApplicationBuilder builder, int sendBufferBytes)
    {
        // Read before the options are bound and validated (the transport is chosen while the host is built); the
        // defaults are RelayOptions' own, and a bad value is still refused by the options' validation at start.
        var section = builder.Configuration.GetSection(RelayOptions.Section);
        var o = new RelayOptions();
        o.Transport = section.GetValue(nameof(RelayOptions.Transport), o.Transport) ?? o.Transport;
        o.EpollThreads = section.GetValue(nameof(RelayOptions.EpollThreads), o.EpollThreads);
        if (o.UsesEpollTransport) builder.Services.AddEpollTransport(Math.Clamp(o.EpollThreads, 1, 64), sendBufferBytes);
    }
}
