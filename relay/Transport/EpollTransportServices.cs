using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VoiceEdge.Relay.Transport;

public static class EpollTransportServices
{
    /// <summary>Kestrel on <see cref="EpollTransportFactory"/> instead of its socket transport (Linux only).</summary>
    public static IServiceCollection AddEpollTransport(this IServiceCollection services, int threads)
    {
        services.AddSingleton(_ => new EpollLoops(threads));
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory, EpollTransportFactory>();
        return services;
    }
}
