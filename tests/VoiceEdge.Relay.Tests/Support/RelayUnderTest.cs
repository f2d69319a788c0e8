using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>The real relay on Kestrel, loopback port 0, configured the ASP.NET way, with its log lines captured.</summary>
public sealed class RelayUnderTest : IAsyncDisposable
{
    public const string SigningKey = "relay-test-signing-key-0123456789";
    public const string TwilioToken = "twilio-test-auth-token";
    public const string PublicBase = "wss://ws.example.test";
    public const string TwilioAccountSid = "AC00000000000000000000000000000001";

    private readonly WebApplication _app;
    private bool _stopped;

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Every log entry at Error or above, or a warning carrying an exception (Kestrel's "unhandled exception" is one), with its category.</summary>
    public ConcurrentQueue<string> Errors { get; }

    public Uri BaseUri { get; }

    /// <summary>The relay's services (its drain coordinator, say).</summary>
    public IServiceProvider Services => _app.Services;

    public HttpClient Http { get; }

    public RelayToken Tokens { get; } = new(SigningKey, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));

    private RelayUnderTest(WebApplication app, Uri baseUri, ConcurrentQueue<string> errors)
    {
        _app = app;
        Errors = errors;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public static Task<RelayUnderTest> StartAsync(Uri upstream, Uri? twilioUpstream = null, params (string Key, string Value)[] settings) =>
        StartWithAsync(null, upstream, twilioUpstream, settings);

    /// <summary>As <see cref="StartAsync"/>, with a hook on the builder (e.g. a fake clock).</summary>
    public static async Task<RelayUnderTest> StartWithAsync(Action<WebApplicationBuilder>? configure, Uri upstream, Uri? twilioUpstream = null, params (string Key, string Value)[] settings)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Relay:Upstream={upstream}",
            $"--Relay:TwilioUpstream={twilioUpstream ?? upstream}",
            $"--Relay:SigningKey={SigningKey}",
            $"--Relay:TwilioAuthToken={TwilioToken}",
            $"--Relay:TwilioAccountSid={TwilioAccountSid}",
            $"--Relay:PublicBaseUrl={PublicBase}",
            "--Relay:DrainGraceSeconds=1",
        };
        args.AddRange(settings.Select(s => $"--Relay:{s.Key}={s.Value}"));
        var logs = new ConcurrentQueue<string>();
        var errors = new ConcurrentQueue<string>();
        var app = RelayApp.Build([.. args], b =>
        {
            b.Logging.AddProvider(new CapturingLoggerProvider(logs, errors));
            configure?.Invoke(b);
        });
        await app.StartAsync();
        var address = settings.FirstOrDefault(s => s.Key == "ListenFd") is { Value: { } fd }
            ? $"http://{LinuxSocket.LocalEndPointOf(int.Parse(fd, System.Globalization.CultureInfo.InvariantCulture))}"
            : app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var relay = new RelayUnderTest(app, new Uri(address), errors);
        while (logs.TryDequeue(out var line)) relay.Logs.Enqueue(line);
        relay.Attach(logs);
        return relay;
    }

    private void Attach(ConcurrentQueue<string> source) => _ = Task.Run(async () =>
    {
        while (!_stopped)
        {
            while (source.TryDequeue(out var line)) Logs.Enqueue(line);
            await Task.Delay(20);
        }
        while (source.TryDequeue(out var line)) Logs.Enqueue(line);
    });

    public Uri Ws(string pathAndQuery) => new(BaseUri.ToString().Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/') + pathAndQuery);

    public string ValidToken(string session = "sess-1") => Tokens.Mint(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30, session);

    /// <summary>Connects to /api/chat (or another path) with the given relay token; returns the socket, or the HTTP status it was refused with.</summary>
    public async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> ConnectAsync(string? token, string path = "/api/chat", Action<ClientWebSocketOptions>? configure = null, HttpMessageInvoker? invoker = null)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (token is not null) ws.Options.SetRequestHeader(RelayToken.HeaderName, token);
        configure?.Invoke(ws.Options);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ws.ConnectAsync(Ws(path), invoker, timeout.Token);
            return (ws, ws.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = ws.HttpStatusCode;
            ws.Dispose();
            return (null, status);
        }
    }

    public static string TwilioSignatureFor(string url) => new TwilioSignature(TwilioToken).Compute(url);

    public Task StopAsync()
    {
        return _app.StopAsync();
    }

    /// <summary>
    /// Waits (bounded, 10 s) until a log line matching <paramref name="match"/> has been captured: lines reach <see cref="Logs"/>
    /// from the logger every 20 ms, so a line written just now may not be there yet.
    /// </summary>
    public async Task<bool> LoggedAsync(Func<string, bool> match)
    {
        for (var i = 0; i < 500; i++)
        {
            if (Logs.Any(match)) return true;
            await Task.Delay(20).ConfigureAwait(false);
        }
        return false;
    }

    /// <summary>Waits (bounded, 30 s) until the backend pool's queue gauge shows one waiting call.</summary>
    public async Task WaitForQueuedCallAsync()
    {
        for (var i = 0; i < 1500; i++)
        {
            var text = await Http.GetStringAsync("/metrics");
            if (text.Split('\n').Any(l => l == "voice_edge_backend_queue_length 1")) return;
            await Task.Delay(20);
        }
        Assert.Fail("no call joined the queue");
    }

    public async Task<double> MetricAsync(string name, string labels)
    {
        var text = await Http.GetStringAsync("/metrics");
        var prefix = labels.Length == 0 ? $"{name} " : $"{name}{{{labels}}} "; // "" = a metric without labels
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(); } catch (ObjectDisposedException) { }
        _stopped = true;
        await _app.DisposeAsync();
        Http.Dispose();
    }

    /// <summary>A loopback port with nothing listening.</summary>
    public static Uri DeadUpstream()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"ws://127.0.0.1:{port}/api/chat");
    }
}
