using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.TestSupport;

/// <summary>
/// Kestrel on a loopback port (0: any free one) with WebSockets on and logging off unless <c>configure</c> adds it:
/// the host every stand-in (upstreams, deploy stand-ins, the phone bridge host, the stand-in PersonaPlex) runs on.
/// </summary>
public sealed class LoopbackHost : IAsyncDisposable
{
    private LoopbackHost(WebApplication app, Uri baseUri)
    {
        App = app;
        BaseUri = baseUri;
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri BaseUri { get; }

    /// <summary>ws://127.0.0.1:&lt;port&gt;, without a trailing slash.</summary>
    public string WsBase => BaseUri.ToString().Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/');

    /// <summary>The ws:// URI of <paramref name="pathAndQuery"/> on this host.</summary>
    public Uri Ws(string pathAndQuery) => new(WsBase + pathAndQuery);

    /// <summary>Builds (services and logging through <paramref name="configure"/>), maps (<paramref name="map"/>) and starts the host.</summary>
    public static async Task<LoopbackHost> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseWebSockets();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
