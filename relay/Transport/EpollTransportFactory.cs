using System.Net;
using Microsoft.AspNetCore.Connections;

namespace VoiceEdge.Relay.Transport;

/// <summary>
/// Kestrel's transport on <see cref="EpollLoops"/> instead of .NET's socket engine (Linux, TCP only). Kestrel sees an
/// ordinary connection; a WebSocket call may take its socket over after the 101 (<see cref="ISocketTakeoverFeature"/>).
/// </summary>
public sealed class EpollTransportFactory(EpollLoops loops, ILogger<EpollTransportFactory> logger) : IConnectionListenerFactory
{
    private const int Backlog = 512;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var fd = endpoint switch
        {
            IPEndPoint ip => LinuxSockets.Listen(ip, Backlog, loops.SendBufferBytes),
            // An inherited listening socket (socket activation, a hand-over): served as it is, shared with whoever else holds it.
            FileHandleEndPoint handle => LinuxSockets.AdoptListening(checked((int)handle.FileHandle), loops.SendBufferBytes),
            _ => throw new NotSupportedException($"the epoll transport listens on TCP or an inherited TCP socket only, not {endpoint}"),
        };
        var listener = new EpollListener(loops.Next(), fd);
        return ValueTask.FromResult<IConnectionListener>(new EpollConnectionListener(loops, listener, logger));
    }
}

internal sealed class EpollConnectionListener(EpollLoops loops, EpollListener listener, ILogger logger) : IConnectionListener
{
    private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _unbound = new();
    private readonly RateLimitedLog _registrationFailures = new(TimeSpan.FromSeconds(10));
    private readonly RateLimitedLog _acceptFailures = new(TimeSpan.FromSeconds(10));

    public EndPoint EndPoint { get; } = listener.LocalEndPoint!;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
        while (true)
        {
            try
            {
                var fd = await listener.AcceptAsync(both.Token);
                LinuxSockets.NoDelay(fd);
                return EpollConnection.Start(EpollSocket.Adopt(loops.Next(), fd));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && _unbound.IsCancellationRequested)
            {
                return null;
            }
            catch (EpollRegistrationException e)
            {
                // The loop could not watch this connection (its descriptor is closed, the client sees a reset); the
                // next one may be fine, so no pause. Logged at most once per period, with how many were dropped since.
                if (_registrationFailures.ShouldLog(out var suppressed))
                    TransportLog.RegistrationFailed(logger, e.Message, suppressed);
            }
            catch (IOException e)
            {
                // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): the waiting connection stays queued;
                // try again shortly. Said at most once per 10 s, with how many failed since.
                if (_acceptFailures.ShouldLog(out var suppressed))
                    TransportLog.AcceptFailed(logger, e.Message, (int)AcceptRetry.TotalMilliseconds, suppressed);
                try
                {
                    await Task.Delay(AcceptRetry, both.Token);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        listener.Dispose();
        _unbound.Dispose();
        return ValueTask.CompletedTask;
    }
}
