using Prometheus;

namespace VoiceEdge.Relay.PhoneBridge;

public static class PhoneBridgeServices
{
    /// <summary>Registers the bridge; its metrics go on <paramref name="registry"/> (the relay's /metrics).</summary>
    public static IServiceCollection AddPhoneBridge(this IServiceCollection services, Func<IServiceProvider, CollectorRegistry> registry) =>
        services
            .AddSingleton(sp => new PhoneBridgeMetrics(registry(sp)))
            .AddSingleton<PhoneBridgeService>()
            .AddSingleton<BridgeBackendDialer>();
}
