using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Prometheus;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>The bridge on Kestrel (loopback) at /twilio/stream, its call log captured, and the last call's end.</summary>
public sealed class BridgeHost : IAsyncDisposable
{
    private LoopbackHost _host = null!;

    public ConcurrentQueue<string> Logs { get; } = new();

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public TaskCompletionSource<CallEnd> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri StreamUri { get; private set; } = null!;

    /// <summary>Cancel to play a relay drain.</summary>
    public CancellationTokenSource Draining { get; } = new();

    public static async Task<BridgeHost> StartAsync(Uri upstream, PhoneBridgeOptions? options = null)
    {
        var host = new BridgeHost();
        host._host = await LoopbackHost.StartAsync(
            app => app.Map("/twilio/stream", async (HttpContext context, PhoneBridgeService bridge) =>
            {
                using var ws = await context.WebSockets.AcceptWebSocketAsync();
                host.Ended.TrySetResult(await bridge.RunAsync(ws, upstream, "test-call", options ?? new PhoneBridgeOptions(), host.Draining.Token));
            }),
            builder =>
            {
                builder.Logging.AddProvider(new CapturingLoggerProvider(host.Logs));
                builder.Services.AddPhoneBridge(_ => host.Registry);
            });
        host.StreamUri = host._host.Ws("/twilio/stream");
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
        await _host.DisposeAsync();
        Draining.Dispose();
    }
}
