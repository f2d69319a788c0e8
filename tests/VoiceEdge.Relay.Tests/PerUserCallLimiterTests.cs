using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Tests;

public class PerUserCallLimiterTests
{
    private static PerUserCallLimiter Limiter(int max) => new(Options.Create(new RelayOptions { MaxCallsPerUser = max }));

    [Fact]
    public void Racing_acquires_of_one_user_never_exceed_the_limit_and_every_release_returns_its_slot()
    {
        var limiter = Limiter(2);
        var leases = new System.Collections.Concurrent.ConcurrentBag<PerUserCallLimiter.Lease>();
        Parallel.For(0, 64, _ => { if (limiter.TryAcquire("u") is { } lease) leases.Add(lease); });
        Assert.Equal(2, leases.Count);
        Assert.Equal(2, limiter.OpenFor("u"));
        Assert.NotNull(limiter.TryAcquire("v"));
        foreach (var lease in leases)
        {
            lease.Dispose();
            lease.Dispose(); // a second dispose must not free a slot it no longer holds
        }
        Assert.Equal(0, limiter.OpenFor("u"));
        Assert.NotNull(limiter.TryAcquire("u"));
    }
}
