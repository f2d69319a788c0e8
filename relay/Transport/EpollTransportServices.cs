using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VoiceEdge.Relay.Transport;

public static class EpollTransportServices
{
    /// <summary>Kestrel on <see cref="EpollTransportFactory"/> instead of its socket transport (Linux only).</summary>
    /// <param name="sendBufferBytes">SO_SNDBUF for accepted and outgoing sockets; 0 = the kernel's autotuning.</param>
    public static IServiceCollection AddEpollTransport(this IServiceCollection services, int threads, int sendBufferBytes = 0)
    {
        services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceEdge.Relay.Transport.EpollLoop");
            return new EpollLoops(threads, e => EpollLoopFailure.Exit(Thread.CurrentThread.Name ?? "epoll", e, logger)) { SendBufferBytes = sendBufferBytes };
        });
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory, EpollTransportFactory>();
        return services;
    }
}
