using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;

namespace VoiceEdge.Relay.Observability;

/// <summary>One backend as /health reports it: its name, the setting that configures it, and what the last probe found.</summary>
public sealed record BackendState(string Name, string Setting, BackendStatus Status);

public enum BackendStatus { Reachable, Unreachable, NotConfigured }

/// <summary>
/// Whether the relay's backends accept a TCP connection within <see cref="ProbeTimeout"/>. A connect is the
/// cheapest check that says a call could be relayed: it opens no WebSocket, so no voice session is started on
/// the backend. Results are shared for <c>HealthCacheSeconds</c> and concurrent callers share one probe, so
/// however often /health is asked, each backend sees at most one probe per period. Backends on the same host
/// and port are probed once. The Twilio backend is only probed when the Twilio route is enabled
/// (<c>TwilioAuthToken</c> and <c>TwilioAccountSid</c> set); without them that route refuses every call and its backend is not needed.
/// </summary>
public sealed class BackendReachability(IOptions<RelayOptions> options, TimeProvider clock)
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<Snapshot>? _last;

    public async Task<IReadOnlyList<BackendState>> CheckAsync(CancellationToken aborted)
    {
        Task<Snapshot> current;
        lock (_gate)
        {
            var fresh = _last is { IsCompletedSuccessfully: true } done
                && clock.GetElapsedTime(done.Result.CheckedAt) < TimeSpan.FromSeconds(options.Value.HealthCacheSeconds);
            if (_last is null || (_last.IsCompleted && !fresh)) _last = ProbeAllAsync();
            current = _last;
        }
        // One caller going away must not cancel the probe the others share.
        return (await current.WaitAsync(aborted)).Backends;
    }

    private async Task<Snapshot> ProbeAllAsync()
    {
        var o = options.Value;
        var twilioEnabled = o.TwilioConfigured;
        var voice = ProbeAsync(o.VoiceUpstream!);
        var twilio = !twilioEnabled ? null : SameEndpoint(o.VoiceUpstream!, o.TwilioUpstream!) ? voice : ProbeAsync(o.TwilioUpstream!);
        IReadOnlyList<BackendState> backends =
        [
            new("voice", "Upstream", await voice ? BackendStatus.Reachable : BackendStatus.Unreachable),
            new("twilio", "TwilioUpstream", twilio is null ? BackendStatus.NotConfigured : await twilio ? BackendStatus.Reachable : BackendStatus.Unreachable),
        ];
        return new Snapshot(backends, clock.GetTimestamp());
    }

    private static bool SameEndpoint(Uri a, Uri b) =>
        string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static async Task<bool> ProbeAsync(Uri backend)
    {
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(backend.IdnHost, backend.Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            return false;
        }
    }

    private sealed record Snapshot(IReadOnlyList<BackendState> Backends, long CheckedAt);
}
