using System.Diagnostics;
using System.Net.Sockets;
using Prometheus;
using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Observability;

namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>How a wait for a backend slot ended.</summary>
public enum SlotWait { Granted, QueueFull, TimedOut }

/// <summary>
/// The voice backends of /api/chat (<c>Relay:Backends</c>, or <c>Relay:Upstream</c> as a pool of one that takes
/// <c>MaxConnections</c> calls). A call takes a free slot on a backend that is up, the least busy first; with none
/// free it joins one FIFO queue for up to <c>QueueSeconds</c> (a full queue of <c>QueueLength</c> is refused at
/// once). A backend whose connect fails is marked down, skipped, and probed (TCP connect every
/// <c>ProbeSeconds</c>) until it answers. When every backend is down, calls still try them, so a call never waits
/// on a queue no backend can serve and fails as fast as before pools existed.
/// </summary>
public sealed class BackendPool : IDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private readonly object _gate = new();
    private readonly LinkedList<TaskCompletionSource<BackendSlot>> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly BackendMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _queueLength;
    private readonly TimeSpan _probeInterval;
    private readonly int _handshakeDropLimit;
    private readonly TimeSpan _handshakeDropDown;
    private readonly Gauge? _queueGauge;

    public BackendPool(IOptions<RelayOptions> options, RelayMetrics relayMetrics, ILogger<BackendPool> logger)
        : this(options.Value, new BackendMetrics(relayMetrics.Registry), logger, SlotsOf(options.Value), reportsQueueLength: true)
    {
    }

    private BackendPool(RelayOptions o, BackendMetrics metrics, ILogger logger, IReadOnlyList<BackendSlot> slots, bool reportsQueueLength)
    {
        _metrics = metrics;
        _logger = logger;
        _queueLength = o.QueueLength;
        _probeInterval = TimeSpan.FromSeconds(o.ProbeSeconds);
        _handshakeDropLimit = o.HandshakeDropLimit;
        _handshakeDropDown = TimeSpan.FromSeconds(o.HandshakeDropDownSeconds);
        // voice_edge_backend_queue_length is the /api/chat pool's; a second pool would overwrite it.
        _queueGauge = reportsQueueLength ? metrics.QueueLength : null;
        QueueTimeout = TimeSpan.FromSeconds(o.QueueSeconds);
        AllowedQueryKeys = new HashSet<string>(o.AllowedQueryKeys, StringComparer.Ordinal);
        Slots = slots;
        foreach (var slot in Slots)
        {
            _metrics.Capacity.WithLabels(slot.Name).Set(slot.Capacity);
            _metrics.Up.WithLabels(slot.Name).Set(1);
            _metrics.Busy.WithLabels(slot.Name).Set(0);
        }
    }

    /// <summary>
    /// A pool of one PersonaPlex (capacity 1) at a fixed URL, its query unchanged: the phone bridge's
    /// <c>Relay:TwilioUpstream</c> when no <c>Relay:Backends</c> are set. Queue and health as the main pool; its
    /// metrics are labelled with its URL on the same registry, except the (unlabelled) queue length.
    /// </summary>
    public static BackendPool OfOne(Uri url, RelayOptions options, BackendMetrics metrics, ILogger logger) =>
        new(options, metrics, logger, [new BackendSlot(url.GetLeftPart(UriPartial.Path), url, 1, null, new Dictionary<string, string>(), passesQueryThrough: true)],
            reportsQueueLength: false);

    private static IReadOnlyList<BackendSlot> SlotsOf(RelayOptions o) => o.Backends.Count > 0
        ? [.. o.Backends.Select(b =>
        {
            var pin = CertificatePin.TryParse(b.CertificateSha256, out var parsed) ? parsed : null;
            return new BackendSlot(b.Url!.GetLeftPart(UriPartial.Path), b.Url, b.Capacity, pin, b.DefaultQuery, passesQueryThrough: false);
        })]
        : [new BackendSlot(o.Upstream!.GetLeftPart(UriPartial.Path), o.Upstream, o.MaxConnections, null, new Dictionary<string, string>(), passesQueryThrough: true)];

    public IReadOnlyList<BackendSlot> Slots { get; }
    public IReadOnlySet<string> AllowedQueryKeys { get; }
    public TimeSpan QueueTimeout { get; }

    /// <summary>The pool's per-backend metrics (callers observe the time to a backend's 0x00 handshake here).</summary>
    public BackendMetrics Metrics => _metrics;

    /// <summary>Waits (until <paramref name="deadline"/>) for a slot; the lease is null unless Granted.</summary>
    public Task<(SlotWait Outcome, BackendLease? Lease)> AcquireAsync(long deadline, CancellationToken aborted) => AcquireAsync(deadline, new HashSet<BackendSlot>(), aborted);

    /// <param name="tried">Backends this call already failed on: a free other one is taken first.</param>
    private async Task<(SlotWait Outcome, BackendLease? Lease)> AcquireAsync(long deadline, IReadOnlySet<BackendSlot> tried, CancellationToken aborted)
    {
        var started = Stopwatch.GetTimestamp();
        TaskCompletionSource<BackendSlot> waiter;
        LinkedListNode<TaskCompletionSource<BackendSlot>> node;
        lock (_gate)
        {
            if (_queue.Count == 0 && TakeFreeSlot(tried) is { } free) return Granted(free, started);
            if (_queue.Count >= _queueLength)
            {
                _metrics.WaitSeconds.WithLabels("none").Observe(0);
                return (SlotWait.QueueFull, null);
            }
            waiter = new TaskCompletionSource<BackendSlot>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _queue.AddLast(waiter);
            _queueGauge?.Set(_queue.Count);
        }
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        try
        {
            if (left > TimeSpan.Zero) await waiter.Task.WaitAsync(left, aborted);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        lock (_gate)
        {
            if (node.List is not null)
            {
                _queue.Remove(node);
                _queueGauge?.Set(_queue.Count);
                _metrics.WaitSeconds.WithLabels("none").Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                return (SlotWait.TimedOut, null);
            }
        }
        // Dispatched (under the lock) before the wait ended: the slot is ours, even if the caller has gone.
        return Granted(waiter.Task.Result, started);
    }

    /// <summary>
    /// Takes a slot (waiting up to <c>QueueSeconds</c> from now) and connects to its backend with
    /// <paramref name="connect"/>; a backend whose connect fails is marked down and, while another is up, the next
    /// slot is tried within the same deadline. Connected: the lease is held for the call (already marked up).
    /// No slot (queue full or timed out): the outcome says which. Otherwise the last failure, or
    /// <paramref name="noneTried"/>; no slot is held then.
    /// </summary>
    public Task<(SlotWait Outcome, T? Connection, BackendLease? Lease, TFailure Failure)> ConnectAsync<T, TFailure>(
        Func<BackendSlot, Task<(T? Connection, TFailure Failure)>> connect, TFailure noneTried, CancellationToken aborted)
        where T : class =>
        ConnectAsync<T, TFailure>(async slot =>
        {
            var (connection, failure) = await connect(slot);
            return (connection, failure, BackendFailure.Unreachable);
        }, noneTried, aborted);

    /// <summary>
    /// As above, with the cause of each failure: <paramref name="connect"/> says whether the backend is to blame and
    /// how (<see cref="BackendFailure"/>), or (null) that the call ends here without blaming it (no other backend is
    /// tried, the slot is freed as after a call).
    /// </summary>
    public async Task<(SlotWait Outcome, T? Connection, BackendLease? Lease, TFailure Failure)> ConnectAsync<T, TFailure>(
        Func<BackendSlot, Task<(T? Connection, TFailure Failure, BackendFailure? Cause)>> connect, TFailure noneTried, CancellationToken aborted)
        where T : class
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(QueueTimeout.TotalSeconds * Stopwatch.Frequency);
        var last = noneTried;
        var tried = new HashSet<BackendSlot>();
        for (var attempt = 0; attempt < Slots.Count; attempt++)
        {
            var (outcome, lease) = await AcquireAsync(deadline, tried, aborted);
            if (lease is null) return (outcome, null, null, last);
            tried.Add(lease.Slot!);
            var (connection, failure, cause) = await connect(lease.Slot!);
            if (connection is not null)
            {
                lease.Succeeded();
                return (SlotWait.Granted, connection, lease, noneTried);
            }
            if (aborted.IsCancellationRequested || cause is null)
            {
                lease.Dispose();
                return (SlotWait.Granted, null, null, failure);
            }
            lease.Fail(cause.Value);
            last = failure;
            if (!AnyUp) break;
        }
        return (SlotWait.Granted, null, null, last);
    }

    private (SlotWait, BackendLease) Granted(BackendSlot slot, long started)
    {
        _metrics.WaitSeconds.WithLabels(slot.Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return (SlotWait.Granted, new BackendLease(this, slot));
    }

    /// <summary>Under the lock: the least busy up backend with room, or (every backend down) any with room.</summary>
    private BackendSlot? TakeFreeSlot(IReadOnlySet<BackendSlot>? tried = null)
    {
        var anyUp = Slots.Any(s => s.IsUp);
        var slot = Slots.Where(s => s.HasRoom && (s.IsUp || !anyUp))
            .OrderBy(s => tried?.Contains(s) == true).ThenBy(s => (double)s.Busy / s.Capacity).FirstOrDefault();
        if (slot is null) return null;
        slot.Busy++;
        _metrics.Busy.WithLabels(slot.Name).Set(slot.Busy);
        return slot;
    }

    /// <summary>Under the lock: hands free slots to the calls waiting longest.</summary>
    private void Dispatch()
    {
        while (_queue.First is { } first && TakeFreeSlot() is { } slot)
        {
            _queue.RemoveFirst();
            first.Value.SetResult(slot);
        }
        _queueGauge?.Set(_queue.Count);
    }

    internal void Release(BackendSlot slot, BackendFailure? failure)
    {
        lock (_gate)
        {
            slot.Busy--;
            _metrics.Busy.WithLabels(slot.Name).Set(slot.Busy);
            if (failure is { } cause) _metrics.CallFailures.WithLabels(slot.Name, cause.Label()).Inc();
            if (failure == BackendFailure.DroppedBeforeHandshake)
            {
                slot.HandshakeDrops++;
                PoolLog.CallFailed(_logger, slot.Name, BackendFailure.DroppedBeforeHandshake.Label(), slot.HandshakeDrops);
                if (slot.HandshakeDrops >= _handshakeDropLimit && slot.IsUp)
                {
                    PoolLog.DownForDrops(_logger, slot.Name, (int)_handshakeDropDown.TotalSeconds, slot.HandshakeDrops);
                    slot.IsUp = false;
                    _metrics.Up.WithLabels(slot.Name).Set(0);
                    _ = UpAfterAsync(slot, _handshakeDropDown);
                }
            }
            else if (failure == BackendFailure.Unreachable)
            {
                _metrics.Failures.WithLabels(slot.Name).Inc();
                if (slot.IsUp && Slots.Count > 1) PoolLog.BackendDown(_logger, slot.Name);
                slot.IsUp = false;
                _metrics.Up.WithLabels(slot.Name).Set(0);
                if (!slot.IsProbing)
                {
                    slot.IsProbing = true;
                    _ = ProbeUntilUpAsync(slot);
                }
            }
            Dispatch();
        }
    }

    /// <summary>The backend sent its 0x00 handshake: its count of calls dropped before one starts again.</summary>
    internal void HandshakeSeen(BackendSlot slot)
    {
        lock (_gate) slot.HandshakeDrops = 0;
    }

    /// <summary>A backend down for dropping calls is given calls again after <paramref name="down"/>.</summary>
    private async Task UpAfterAsync(BackendSlot slot, TimeSpan down)
    {
        try
        {
            await Task.Delay(down, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (_gate) slot.HandshakeDrops = 0;
        MarkUp(slot);
    }

    /// <summary>Whether any backend is up (a failed call then tries another).</summary>
    public bool AnyUp
    {
        get { lock (_gate) return Slots.Any(s => s.IsUp); }
    }

    internal void MarkUp(BackendSlot slot)
    {
        lock (_gate)
        {
            if (slot.IsUp) return;
            slot.IsUp = true;
            _metrics.Up.WithLabels(slot.Name).Set(1);
            PoolLog.BackendUp(_logger, slot.Name);
            Dispatch();
        }
    }

    /// <summary>Calls going to a down backend would fail: it is probed with a TCP connect (no WebSocket, so no voice session starts).</summary>
    private async Task ProbeUntilUpAsync(BackendSlot slot)
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(_probeInterval, _stopping.Token);
                lock (_gate)
                {
                    if (slot.IsUp) break;
                }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(ProbeTimeout);
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(slot.Url.IdnHost, slot.Url.Port, timeout.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    continue;
                }
                MarkUp(slot);
                break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate) slot.IsProbing = false;
        }
    }

    public void Dispose()
    {
        // Not disposed: a probe still running may read its token.
        _stopping.Cancel();
    }
}
