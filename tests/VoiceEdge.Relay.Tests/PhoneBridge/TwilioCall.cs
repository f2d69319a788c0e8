using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace VoiceEdge.Relay.Tests.PhoneBridge;

/// <summary>
/// Plays Twilio's side of a Media Stream over a real WebSocket, with the message shapes of
/// https://www.twilio.com/docs/voice/media-streams/websocket-messages (connected, start, media, stop), and
/// collects the media the bridge sends back.
/// </summary>
public sealed class TwilioCall : IDisposable
{
    public const string StreamSid = "MZ00000000000000000000000000000001";

    private readonly ClientWebSocket _ws = new();
    private readonly List<byte> _received = [];
    private Task? _reading;
    private int _sequence;

    public List<string> OtherStreamSids { get; } = [];

    public List<int> PayloadSizes { get; } = [];

    /// <summary>When each media message of the model's audio came (Stopwatch timestamps), in order.</summary>
    public List<long> MediaArrivals { get; } = [];

    /// <summary>
    /// The hold signal: media between the bridge's <see cref="Relay.PhoneBridge.HoldSignal.StartMark"/> and
    /// <see cref="Relay.PhoneBridge.HoldSignal.EndMark"/> marks, kept apart from the model's audio (<see cref="Received"/>,
    /// <see cref="PayloadSizes"/>, <see cref="MediaArrivals"/>), with when each came.
    /// </summary>
    public List<(byte[] Payload, long At)> HoldFrames { get; } = [];

    /// <summary>The marks the bridge sent, by name, with when each came and how many media messages had come before it.</summary>
    public List<(string Name, long At, int MediaBefore)> Marks { get; } = [];

    /// <summary>When the stream's start was sent (Stopwatch timestamp).</summary>
    public long StartSentAt { get; private set; }

    private bool _holding;
    private int _mediaCount;

    public WebSocketCloseStatus? CloseStatus => _ws.CloseStatus;

    public string? CloseReason => _ws.CloseStatusDescription;

    public byte[] Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public async Task ConnectAsync(Uri uri, string? twilioSignature = null)
    {
        if (twilioSignature is not null) _ws.Options.SetRequestHeader("X-Twilio-Signature", twilioSignature);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _ws.ConnectAsync(uri, timeout.Token);
        _reading = ReadAsync();
    }

    public Task SendConnectedAsync() => SendJsonAsync(new { @event = "connected", protocol = "Call", version = "1.0.0" });

    public const string CallSid = "CA00000000000000000000000000000001";

    /// <param name="token">The relay's per-call token (its start gate); the bridge alone ignores it.</param>
    public Task SendStartAsync(string encoding = "audio/x-mulaw", int sampleRate = 8000, int channels = 1, string token = "per-call")
    {
        StartSentAt = System.Diagnostics.Stopwatch.GetTimestamp();
        return SendStartMessageAsync(encoding, sampleRate, channels, token);
    }

    private Task SendStartMessageAsync(string encoding, int sampleRate, int channels, string token) => SendJsonAsync(new
    {
        @event = "start",
        sequenceNumber = Next(),
        start = new
        {
            accountSid = "AC00000000000000000000000000000001",
            streamSid = StreamSid,
            callSid = CallSid,
            tracks = new[] { "inbound" },
            mediaFormat = new { encoding, sampleRate, channels },
            customParameters = new Dictionary<string, string> { [Relay.Auth.TwilioCallToken.ParameterName] = token },
        },
        streamSid = StreamSid,
    });

    public Task SendMediaAsync(ReadOnlySpan<byte> mulaw) => SendJsonAsync(new
    {
        @event = "media",
        sequenceNumber = Next(),
        media = new { track = "inbound", chunk = "1", timestamp = "0", payload = Convert.ToBase64String(mulaw) },
        streamSid = StreamSid,
    });

    public Task SendStopAsync() => SendJsonAsync(new { @event = "stop", sequenceNumber = Next(), streamSid = StreamSid });

    public Task SendTextAsync(string text) => _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Plays mu-law audio in 20 ms media messages at real-time pace.</summary>
    public async Task PlayAsync(byte[] mulaw)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i * 160 < mulaw.Length; i++)
        {
            await SendMediaAsync(mulaw.AsSpan(i * 160, Math.Min(160, mulaw.Length - i * 160)));
            var wait = TimeSpan.FromMilliseconds(20 * (i + 1)) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
    }

    /// <summary>Waits (bounded) until the bridge closes the stream.</summary>
    public async Task WaitClosedAsync(TimeSpan limit)
    {
        await _reading!.WaitAsync(limit);
    }

    public async Task HangUpAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        if (_ws.State == WebSocketState.Open) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hang up", timeout.Token);
        await _reading!.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private string Next() => (++_sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task SendJsonAsync(object message) => _ws.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task ReadAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var (length, type) = await _ws.ReceiveIntoAsync(buffer);
                if (type == WebSocketMessageType.Close)
                {
                    if (_ws.State == WebSocketState.CloseReceived) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    return;
                }
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, length));
                var root = doc.RootElement;
                var kind = root.GetProperty("event").GetString();
                if (kind == "mark")
                {
                    var name = root.GetProperty("mark").GetProperty("name").GetString()!;
                    Marks.Add((name, System.Diagnostics.Stopwatch.GetTimestamp(), _mediaCount));
                    if (name == Relay.PhoneBridge.HoldSignal.StartMark) _holding = true;
                    if (name == Relay.PhoneBridge.HoldSignal.EndMark) _holding = false;
                    continue;
                }
                if (kind != "media") continue;
                _mediaCount++;
                var sid = root.GetProperty("streamSid").GetString()!;
                if (sid != StreamSid) OtherStreamSids.Add(sid);
                var payload = Convert.FromBase64String(root.GetProperty("media").GetProperty("payload").GetString()!);
                if (_holding)
                {
                    HoldFrames.Add((payload, System.Diagnostics.Stopwatch.GetTimestamp()));
                    continue;
                }
                PayloadSizes.Add(payload.Length);
                MediaArrivals.Add(System.Diagnostics.Stopwatch.GetTimestamp());
                lock (_received) _received.AddRange(payload);
            }
        }
        catch (WebSocketException)
        {
            // Closed without a handshake: CloseStatus stays null, which the tests check.
        }
    }

    public void Dispose() => _ws.Dispose();
}
