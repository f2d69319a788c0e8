namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>A call's hold on one backend slot; disposing it frees the slot for the next call in the queue.</summary>
public sealed class BackendLease(BackendPool? pool, BackendSlot? slot) : IDisposable
{
    private int _released;

    /// <summary>No slot: the wait for one timed out (the call is then closed with 1013).</summary>
    public static BackendLease None => new(null, null);

    public BackendSlot? Slot { get; } = slot;

    /// <summary>The backend could not be reached: the slot is freed and the backend marked down and probed.</summary>
    public void Fail() => Fail(BackendFailure.Unreachable);

    /// <summary>The call failed on this backend for <paramref name="cause"/>: the slot is freed and the cause counted.</summary>
    public void Fail(BackendFailure cause)
    {
        if (Slot is not null && Interlocked.Exchange(ref _released, 1) == 0) pool!.Release(Slot, cause);
    }

    /// <summary>The call reached the backend: if it was marked down, it is up again.</summary>
    public void Succeeded()
    {
        if (Slot is not null) pool!.MarkUp(Slot);
    }

    public void Dispose()
    {
        if (Slot is not null && Interlocked.Exchange(ref _released, 1) == 0) pool!.Release(Slot, null);
    }
}
