using System.Buffers;
using VoiceEdge.Relay.Relaying.Forwarding;

namespace VoiceEdge.Relay.Relaying.StartGate;

/// <summary>
/// The start gate on the frame forwarder's upgraded client stream. It reads whole frames and nothing past the frame that
/// completes the start message, keeping their bytes exactly as received (still masked), so once the gate passes they go to
/// the upstream unchanged and the forwarder carries on from the next frame. Control frames (ping, pong) before the start
/// are kept and passed on in order. The caller closes the stream on a refusal (the forwarder's own close path).
/// </summary>
public static class FrameStartGate
{
    /// <summary>Frames read before the gate gives up: two messages, a few fragments and pings each.</summary>
    public const int MaxFrames = 32;

    public static async Task<(GateOutcome Outcome, ReadOnlyMemory<byte> Held)> RunAsync(Stream client, TwilioStartGate gate)
    {
        var held = new ArrayBufferWriter<byte>(1024);
        GateOutcome outcome;
        using (var timeout = new CancellationTokenSource(TwilioStartGate.StartTimeout))
        {
            try
            {
                outcome = await ReadAsync(client, gate, held, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                outcome = GateOutcome.TimedOut;
            }
            catch (Exception e) when (e is EndOfStreamException || LegWriter.IsTransportFailure(e))
            {
                outcome = GateOutcome.Vanished;
            }
        }
        gate.Report(outcome);
        return (outcome, held.WrittenMemory);
    }

    private static async Task<GateOutcome> ReadAsync(Stream client, TwilioStartGate gate, ArrayBufferWriter<byte> held, CancellationToken ct)
    {
        var sequence = new FrameSequence(fromClient: true, TwilioStartGate.MaxMessageBytes);
        var message = new ArrayBufferWriter<byte>(1024);
        var index = 0;
        var messageIsText = false;
        var header = new byte[WebSocketFrameHeader.MaxLength];
        for (var frames = 0; frames < MaxFrames; frames++)
        {
            await client.ReadExactlyAsync(header.AsMemory(0, 2), ct);
            var headerLength = 2 + ((header[1] & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 }) + ((header[1] & 0x80) != 0 ? 4 : 0);
            await client.ReadExactlyAsync(header.AsMemory(2, headerLength - 2), ct);
            var status = WebSocketFrameHeader.TryParse(header.AsSpan(0, headerLength), out var h, out _);
            var verdict = status == FrameParseStatus.LengthTooLarge ? FrameVerdict.LengthTooLarge : sequence.Check(h);
            if (verdict == FrameVerdict.TooBig) return GateOutcome.TooBig;
            if (verdict != FrameVerdict.Ok) return GateOutcome.Refuse(1002, "protocol-error", FrameSequence.Describe(verdict));
            var payload = new byte[h.PayloadLength];
            await client.ReadExactlyAsync(payload, ct);
            if (h.Opcode == WebSocketFrameHeader.Close) return GateOutcome.ClientClosed;
            held.Write(header.AsSpan(0, headerLength));
            held.Write(payload);
            if (h.IsControl) continue;
            if (h.Opcode != WebSocketFrameHeader.Continuation) messageIsText = h.Opcode == WebSocketFrameHeader.Text;
            if (!messageIsText) return GateOutcome.Binary;
            WebSocketFrameHeader.ApplyMask(payload, h.MaskKey);
            message.Write(payload);
            if (!h.Fin) continue;
            if (gate.Judge(index++, message.WrittenSpan) is { } outcome) return outcome;
            message.ResetWrittenCount();
        }
        return GateOutcome.TooManyFrames;
    }
}
