using VoiceEdge.Relay.Observability;
using Microsoft.Extensions.Options;

namespace VoiceEdge.Relay.Hosting;

/// <summary>
/// SIGTERM handling, one of two ways. On a socket the relay bound itself (a drain): while the host is stopping
/// (before Kestrel stops listening) the relay refuses new calls with 503, lets open calls continue for the grace
/// period, then closes the rest with 1012 and waits for them to finish, so systemd's restart loses no call
/// silently. On an inherited socket (a hand-over, <see cref="InheritedListener"/>): another relay serves the same
/// socket, so this one refuses nothing, Kestrel stops accepting, and every open call continues until it ends, at most
/// <see cref="RelayOptions.HandoverMaxMinutes"/>, after which the rest are closed with 1012.
/// </summary>
public sealed class DrainCoordinator(IOptions<RelayOptions> options, ILogger<DrainCoordinator> logger, ListenerOrigin listener, TimeProvider clock)
    : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _closeCalls = new();
    private int _open;
    private volatile bool _draining;
    private volatile bool _handingOver;

    /// <summary>Refusing new calls (503): a drain (SIGTERM, or <see cref="RelayOptions.Draining"/>), never a hand-over.</summary>
    public bool IsDraining => _draining || options.Value.Draining;

    /// <summary>A SIGTERM drain: the process is about to exit.</summary>
    public bool IsStopping => _draining;

    /// <summary>Stopped accepting; open calls continue (a hand-over).</summary>
    public bool IsHandingOver => _handingOver;

    public int OpenCalls => Volatile.Read(ref _open);

    public Registration Register() => new(this);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (listener.Inherited)
        {
            BeginHandover();
            return;
        }
        _draining = true;
        var grace = TimeSpan.FromSeconds(options.Value.DrainGraceSeconds);
        RelayLog.Draining(logger, OpenCalls, grace.TotalSeconds);
        await WaitForCallsAsync(grace, cancellationToken);
        if (OpenCalls > 0)
        {
            RelayLog.ClosingForRestart(logger, OpenCalls);
            await _closeCalls.CancelAsync();
            await WaitForCallsAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        RelayLog.Drained(logger, OpenCalls);
    }

    private void BeginHandover()
    {
        _handingOver = true;
        var cap = TimeSpan.FromMinutes(options.Value.HandoverMaxMinutes);
        RelayLog.HandingOver(logger, options.Value.Build, OpenCalls, cap.TotalMinutes);
        _ = CloseAtCapAsync(cap);
    }

    private async Task CloseAtCapAsync(TimeSpan cap)
    {
        await Task.Delay(cap, clock, CancellationToken.None);
        if (OpenCalls == 0) return;
        RelayLog.HandoverCapReached(logger, options.Value.Build, OpenCalls);
        try
        {
            await _closeCalls.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The host finished first.
        }
    }

    private async Task WaitForCallsAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        while (OpenCalls > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(50, CancellationToken.None);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _closeCalls.Dispose();

    /// <summary>One open call; disposing it marks the call finished.</summary>
    public sealed class Registration : IDisposable
    {
        private readonly DrainCoordinator _owner;
        private int _disposed;

        internal Registration(DrainCoordinator owner)
        {
            _owner = owner;
            Interlocked.Increment(ref owner._open);
        }

        public CancellationToken DrainToken => _owner._closeCalls.Token;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref _owner._open);
        }
    }
}
