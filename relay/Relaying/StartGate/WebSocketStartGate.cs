using System.Net.WebSockets;
using VoiceEdge.Relay.PhoneBridge;

namespace VoiceEdge.Relay.Relaying.StartGate;

/// <summary>A whole message read before the gate passed, to be sent on unchanged once it has.</summary>
public sealed record HeldMessage(WebSocketMessageType Type, byte[] Data);

/// <summary>
/// The start gate on an accepted <see cref="WebSocket"/> (the WebSocket pump and the phone bridge). On a refusal the
/// stream has been closed here, with the outcome's code and reason, and its close reply waited for a little.
/// </summary>
public static class WebSocketStartGate
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Reads until <paramref name="gate"/> decides; when it passes, the messages read (connected, start) in order.</summary>
    public static async Task<(GateOutcome Outcome, IReadOnlyList<HeldMessage> Held)> RunAsync(WebSocket client, TwilioStartGate gate)
    {
        var (outcome, held, pending) = await ReadAsync(client, gate);
        gate.Report(outcome);
        if (!outcome.Passed && outcome.CloseCode != 1006) await CloseAsync(client, outcome, pending);
        return (outcome, held);
    }

    private static async Task<(GateOutcome, List<HeldMessage>, Task? Pending)> ReadAsync(WebSocket client, TwilioStartGate gate)
    {
        var reader = new WholeMessageReader(client, TwilioStartGate.MaxMessageBytes);
        var held = new List<HeldMessage>();
        // Not a cancellation token: cancelling a WebSocket receive aborts the socket, and the stream should get a close.
        var deadline = Task.Delay(TwilioStartGate.StartTimeout);
        for (var index = 0; index < TwilioStartGate.MaxMessages; index++)
        {
            var read = reader.ReadAsync(CancellationToken.None);
            if (await Task.WhenAny(read, deadline) != read) return (GateOutcome.TimedOut, held, read);
            WebSocketMessageType type;
            try
            {
                type = await read;
            }
            catch (MessageTooBigException)
            {
                return (GateOutcome.TooBig, held, null);
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                return (GateOutcome.Vanished, held, null);
            }
            if (type == WebSocketMessageType.Close) return (GateOutcome.ClientClosed, held, null);
            if (type != WebSocketMessageType.Text) return (GateOutcome.Binary, held, null);
            var data = reader.Message.ToArray();
            held.Add(new HeldMessage(type, data));
            if (gate.Judge(index, data) is { } outcome) return (outcome, held, null);
        }
        return (GateOutcome.Refuse(1008, "not-start", "expected the start message"), held, null);
    }

    /// <summary>Sends the refusal's close, then reads (and drops) until the client's close reply or a short bound.</summary>
    private static async Task CloseAsync(WebSocket client, GateOutcome outcome, Task? pending)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            if (client.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await client.CloseOutputAsync((WebSocketCloseStatus)outcome.CloseCode, outcome.Reason, timeout.Token);
            if (pending is not null) await pending.WaitAsync(timeout.Token);
            var scratch = new byte[4096];
            while (client.State == WebSocketState.CloseSent)
                if ((await client.ReceiveAsync(scratch.AsMemory(), timeout.Token)).MessageType == WebSocketMessageType.Close) break;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException or InvalidOperationException or MessageTooBigException)
        {
            client.Abort();
        }
    }
}
