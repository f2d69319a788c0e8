using System.Threading.Tasks.Sources;

namespace VoiceEdge.Relay.Transport;

/// <summary>One waiting read, write or accept of an <see cref="EpollSocket"/> or <see cref="EpollListener"/>: a reusable value-task source whose continuation runs where it completes.</summary>
internal sealed class EpollOperation : IValueTaskSource<int>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<int> _core;

    public bool Pending { get; private set; }
    public short Version => _core.Version;
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>
    /// Under the socket's lock, before any new operation of this kind (even one that will not wait): the previous one
    /// is neither waiting nor finished with its result uncollected. An uncollected result means the caller took a
    /// completed task for done without <c>GetResult</c>: its next wait would report the old result at once while
    /// the socket still used its buffer, and the old completion would later fire a second time.
    /// </summary>
    public void EnsureIdle(string kind)
    {
        if (Pending) throw new SocketMisuseException($"a {kind} is already waiting on this socket");
        if (_core.GetStatus(_core.Version) != ValueTaskSourceStatus.Pending)
            throw new SocketMisuseException($"the previous {kind}'s result was never collected (a ValueTask must be awaited or read with GetResult exactly once)");
    }

    /// <summary>Under the socket's lock, after <see cref="EnsureIdle"/>: this operation now waits for the socket.</summary>
    public void Start(bool inlineContinuation)
    {
        _core.RunContinuationsAsynchronously = !inlineContinuation;
        Pending = true;
    }

    /// <summary>Under the socket's lock: this operation is done; complete it once the lock is released.</summary>
    public EpollOperation Finish()
    {
        Pending = false;
        return this;
    }

    public void Complete(int result, Exception? error)
    {
        if (error is null) _core.SetResult(result);
        else _core.SetException(error);
    }

    public int GetResult(short token)
    {
        Registration.Unregister();
        Registration = default;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
