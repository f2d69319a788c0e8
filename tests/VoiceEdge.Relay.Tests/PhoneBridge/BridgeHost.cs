using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>The bridge on Kestrel (loopback) at /twilio/stream, its call log captured, and the last call's end.</summary>
public sealed class BridgeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BridgeHost(WebApplication app, ConcurrentQueue<string> logs)
    {
        _app = app;
        Logs = logs;
    }

    public ConcurrentQueue<string> Logs { get; }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public TaskCompletionSource<CallEnd> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri StreamUri { get; private set; } = null!;

    /// <summary>Cancel to play a relay drain.</summary>
    public CancellationTokenSource Draining { get; } = new();

    public static async Task<BridgeHost> StartAsync(Uri upstream, PhoneBridgeOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new ConcurrentQueue<string>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CapturingLoggerProvider(logs));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        BridgeHost? host = null;
        builder.Services.AddPhoneBridge(_ => host!.Registry);
        var app = builder.Build();
        host = new BridgeHost(app, logs);
        app.UseWebSockets();
        app.Map("/twilio/stream", async (HttpContext context, PhoneBridgeService bridge) =>
        {
            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            host.Ended.TrySetResult(await bridge.RunAsync(ws, upstream, "test-call", options ?? new PhoneBridgeOptions(), host.Draining.Token));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.StreamUri = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + "/twilio/stream");
        return host;
    }

    public async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await Draining.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Draining.Dispose();
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(sink);
        public void Dispose() { }
    }

    private sealed class CapturingLogger(ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
    }
}
