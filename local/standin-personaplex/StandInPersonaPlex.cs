using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using VoiceEdge.Relay.PhoneBridge;
using VoiceEdge.TestSupport;

namespace VoiceEdge.Local.StandIn;

/// <summary>What the stand-in does after its handshake.</summary>
public enum StandInBehaviour
{
    /// <summary>Decode the caller's Ogg Opus and send it straight back as Ogg Opus (24 kHz), like a parrot model.</summary>
    Echo,
    /// <summary>Send bytes that are no Ogg stream in a 0x01 message.</summary>
    GarbageAudio,
    /// <summary>Send a message of an unknown kind (0x07).</summary>
    UnknownKind,
    /// <summary>Close the WebSocket (1000) right after the handshake.</summary>
    Close,
    /// <summary>Never send the 0x00 handshake.</summary>
    NoHandshake,
    /// <summary>
    /// Speak <see cref="StandInPersonaPlex.SpeakPackets"/> 80 ms packets of a 440 Hz tone, one every
    /// <see cref="StandInPersonaPlex.SpeakInterval"/> (80 ms: the real server's cadence; zero: all at once), then close (1000).
    /// </summary>
    SpeakThenClose,
    /// <summary>Upgrade, then drop the connection (no close frame) before the handshake, as the real server does on an exception.</summary>
    DropBeforeHandshake,
}

/// <summary>
/// A stand-in PersonaPlex on Kestrel (loopback), speaking its /api/chat protocol as the real server does
/// (NVIDIA/personaplex <c>moshi/moshi/server.py</c>, docs/architecture.md "The real PersonaPlex server's contract"):
/// <list type="bullet">
/// <item>It upgrades first and checks the query afterwards: a missing <c>voice_prompt</c> or <c>text_prompt</c>, any
/// <c>seed</c>, or a voice file it does not have gets 101 and then the TCP connection dropped without a close frame
/// (aiohttp's <c>handle_error</c> once the response has started).</item>
/// <item>One conversation at a time: a second call is upgraded and waits, silently, until the first ends.</item>
/// <item>The handshake (prompt processing) takes <see cref="HandshakeDelay"/>; whatever the caller sends meanwhile
/// is read and discarded (the server's <c>is_alive</c>), then it sends 0x00.</item>
/// <item>Audio out as sphn 0.1's <c>OpusStreamWriter</c>: the OpusHead page (serial 42, pre-skip 3840, 24 kHz) and
/// the OpusTags page each in its own 0x01 message, then one page per 80 ms packet.</item>
/// <item>A caller Ogg stream that does not start with a beginning-of-stream page (or is otherwise broken) ends
/// sphn's reader thread; the server's loop then fails and it closes the WebSocket with 1000.</item>
/// </list>
/// <c>GET /stats</c> says how many calls are in each state.
/// </summary>
public sealed class StandInPersonaPlex : IAsyncDisposable
{
    public const string Greeting = "Hello from the stand-in.";

    /// <summary>The voice files the stand-in has unless told otherwise (the real server's voices.tgz has these and more).</summary>
    public static readonly IReadOnlyList<string> DefaultVoices =
        ["NATF0.pt", "NATF1.pt", "NATF2.pt", "NATF3.pt", "NATM0.pt", "NATM1.pt", "NATM2.pt", "NATM3.pt"];

    /// <summary>sphn's Ogg serial number and OpusHead pre-skip (sphn 0.1 <c>src/opus.rs</c>).</summary>
    public const uint OggSerial = 42;
    public const ushort PreSkip = 3840;

    /// <summary>One Mimi frame: 80 ms at 24 kHz, one Opus packet and one Ogg page.</summary>
    public const int OutputFrameSamples = OpusCodecs.SampleRate * 80 / 1000;

    private LoopbackHost _host = null!;

    private StandInPersonaPlex() { }

    /// <summary>Prompt processing before the 0x00: short by default for tests; the launcher's default is seconds, as the real server.</summary>
    public TimeSpan HandshakeDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    public StandInBehaviour Behaviour { get; set; } = StandInBehaviour.Echo;

    /// <summary>How many packets <see cref="StandInBehaviour.SpeakThenClose"/> sends.</summary>
    public int SpeakPackets { get; set; } = 25;

    /// <summary>The time between two packets of <see cref="StandInBehaviour.SpeakThenClose"/>.</summary>
    public TimeSpan SpeakInterval { get; set; } = TimeSpan.FromMilliseconds(80);

    /// <summary>The voice file names this server has; any other <c>voice_prompt</c> drops the call after the upgrade.</summary>
    public IReadOnlySet<string> Voices { get; set; } = new HashSet<string>(DefaultVoices, StringComparer.Ordinal);

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>One conversation at a time, as PersonaPlex's lock.</summary>
    private readonly SemaphoreSlim _conversation = new(1, 1);

    private int _inConversation;
    private int _waiting;
    private long _conversations;
    private long _discardedBeforeHandshake;

    /// <summary>Calls holding the conversation now (0 or 1).</summary>
    public int InConversation => Volatile.Read(ref _inConversation);

    /// <summary>Calls upgraded and waiting, silently, for the conversation to be free.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Conversations started (handshake sent or about to be) since the start.</summary>
    public long Conversations => Interlocked.Read(ref _conversations);

    /// <summary>Messages read and discarded while the prompts ran (before the 0x00).</summary>
    public long DiscardedBeforeHandshake => Interlocked.Read(ref _discardedBeforeHandshake);

    /// <summary>Why each call dropped after its upgrade was dropped (the real server's exception).</summary>
    public ConcurrentQueue<string> Drops { get; } = new();

    /// <summary>Why the server closed (1000) a conversation because of the caller's Ogg stream.</summary>
    public ConcurrentQueue<string> RejectedStreams { get; } = new();

    public Uri ChatUri => new($"{BaseUri.ToString().Replace("http://", "ws://", StringComparison.Ordinal).TrimEnd('/')}/api/chat?voice_prompt=NATF2.pt&text_prompt=You%20enjoy%20having%20a%20good%20conversation.");

    public ConcurrentQueue<string> Queries { get; } = new();

    public ConcurrentQueue<OpusHead> HeadsSeen { get; } = new();

    public ConcurrentQueue<(WebSocketCloseStatus? Status, string? Reason)> ClosesReceived { get; } = new();

    private long _packetsEchoed;

    public long PacketsEchoed => Interlocked.Read(ref _packetsEchoed);

    public static async Task<StandInPersonaPlex> StartAsync(int port = 0)
    {
        var standIn = new StandInPersonaPlex();
        standIn._host = await LoopbackHost.StartAsync(app =>
        {
            app.Map("/api/chat", standIn.ServeAsync);
            app.MapGet("/stats", () => Results.Json(new { inConversation = standIn.InConversation, waiting = standIn.Waiting, conversations = standIn.Conversations, dropped = standIn.Drops.Count }));
        }, port: port);
        standIn.BaseUri = standIn._host.BaseUri;
        return standIn;
    }

    /// <summary>The exception server.py raises for this query after the upgrade (lines 152-171, in that order), or null.</summary>
    private string? QueryFault(IQueryCollection query)
    {
        if (!query.TryGetValue("voice_prompt", out var voice)) return "KeyError: 'voice_prompt'";
        if (!Voices.Contains(voice.ToString())) return $"FileNotFoundError: voice prompt '{voice}' not found";
        if (!query.ContainsKey("text_prompt")) return "KeyError: 'text_prompt'";
        if (query.ContainsKey("seed")) return "KeyError: 'seed'";
        return null;
    }

    private async Task ServeAsync(HttpContext context)
    {
        Queries.Enqueue(context.Request.QueryString.Value ?? "");
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }
        // The upgrade by hand, so a call can be dropped after the 101 with a plain end of the TCP connection.
        var upgrade = context.Features.Get<IHttpUpgradeFeature>()!;
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for Sec-WebSocket-Accept; no security rests on it
        context.Response.Headers.SecWebSocketAccept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(
            System.Text.Encoding.ASCII.GetBytes(context.Request.Headers.SecWebSocketKey.ToString() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        await using var stream = await upgrade.UpgradeAsync();
        if (QueryFault(context.Request.Query) is { } fault)
        {
            Drops.Enqueue(fault);
            return;
        }
        using var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true });
        var stopping = _host.App.Lifetime.ApplicationStopping;
        Interlocked.Increment(ref _waiting);
        var holding = false;
        try
        {
            try
            {
                await _conversation.WaitAsync(stopping);
                holding = true;
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
            Interlocked.Increment(ref _inConversation);
            Interlocked.Increment(ref _conversations);
            if (Behaviour == StandInBehaviour.DropBeforeHandshake)
            {
                Drops.Enqueue("behaviour: drop before the handshake");
                return;
            }
            await ConverseAsync(ws, stopping);
        }
        catch (OperationCanceledException)
        {
            // The stand-in is stopping while the call waited.
        }
        finally
        {
            if (holding)
            {
                Interlocked.Decrement(ref _inConversation);
                _conversation.Release();
            }
        }
    }

    private async Task ConverseAsync(WebSocket ws, CancellationToken stopping)
    {
        var inbox = Channel.CreateUnbounded<byte[]?>();
        var reading = ReadAllAsync(ws, inbox.Writer);
        try
        {
            if (Behaviour == StandInBehaviour.NoHandshake)
            {
                await DiscardUntilAsync(inbox.Reader, Task.Delay(Timeout.Infinite, stopping));
                return;
            }
            // The caller may hang up while the prompts run: then no handshake (server.py:287).
            if (!await DiscardUntilAsync(inbox.Reader, Task.Delay(HandshakeDelay, stopping))) return;
            await ws.SendAsync(new byte[] { 0x00 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            await ws.SendAsync((byte[])[0x02, .. System.Text.Encoding.UTF8.GetBytes(Greeting)], WebSocketMessageType.Binary, true, CancellationToken.None);
            switch (Behaviour)
            {
                case StandInBehaviour.Close:
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "conversation over", CancellationToken.None);
                    await DiscardUntilAsync(inbox.Reader, Task.Delay(Timeout.Infinite, stopping));
                    return;
                case StandInBehaviour.GarbageAudio:
                    await ws.SendAsync((byte[])[0x01, .. "this is not an ogg stream"u8], WebSocketMessageType.Binary, true, CancellationToken.None);
                    await DiscardUntilAsync(inbox.Reader, Task.Delay(Timeout.Infinite, stopping));
                    return;
                case StandInBehaviour.SpeakThenClose:
                    await SpeakAsync(ws);
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "conversation over", CancellationToken.None);
                    await DiscardUntilAsync(inbox.Reader, Task.Delay(Timeout.Infinite, stopping));
                    return;
                case StandInBehaviour.UnknownKind:
                    await ws.SendAsync(new byte[] { 0x07, 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    await DiscardUntilAsync(inbox.Reader, Task.Delay(Timeout.Infinite, stopping));
                    return;
            }
            await EchoAsync(ws, inbox.Reader);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The bridge went away, or the stand-in is stopping.
        }
        finally
        {
            if (ws.State == WebSocketState.CloseReceived)
            {
                try
                {
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }
                catch (WebSocketException)
                {
                }
            }
            if (!reading.IsCompleted) ws.Abort();
            await reading;
        }
    }

    /// <summary>Every binary message the caller sends, in order; null once the caller closed or went away.</summary>
    private async Task ReadAllAsync(WebSocket ws, ChannelWriter<byte[]?> inbox)
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                var (length, type) = await ws.ReceiveIntoAsync(buffer);
                if (type == WebSocketMessageType.Close)
                {
                    ClosesReceived.Enqueue((ws.CloseStatus, ws.CloseStatusDescription));
                    break;
                }
                if (type == WebSocketMessageType.Binary) inbox.TryWrite(buffer[..length]);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        inbox.TryWrite(null);
        inbox.TryComplete();
    }

    /// <summary>Reads and drops messages until <paramref name="until"/> ends; false when the caller left first.</summary>
    private async Task<bool> DiscardUntilAsync(ChannelReader<byte[]?> inbox, Task until)
    {
        while (true)
        {
            while (inbox.TryRead(out var message))
            {
                if (message is null) return false;
                Interlocked.Increment(ref _discardedBeforeHandshake);
            }
            // Waits without taking a message: what arrives after `until` is the conversation's.
            var ready = inbox.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(ready, until) == until)
            {
                await until;
                while (inbox.TryRead(out var queued))
                {
                    if (queued is null) return false;
                    Interlocked.Increment(ref _discardedBeforeHandshake);
                }
                return true;
            }
            if (!await ready) return false;
        }
    }

    /// <summary>The header pages, then <see cref="SpeakPackets"/> pages of a 440 Hz tone, one every <see cref="SpeakInterval"/>.</summary>
    private async Task SpeakAsync(WebSocket ws)
    {
        var writer = new OggOpusWriter(OggSerial, OpusCodecs.SampleRate, PreSkip, "sphn-pyo3");
        var encoder = OpusCodecs.CreateEncoder();
        var headers = writer.HeaderPages();
        OggPage.TryParse(headers, out var headLength);
        await ws.SendAsync(PersonaPlexMessage.Audio(headers.AsSpan(0, headLength)), WebSocketMessageType.Binary, true, CancellationToken.None);
        await ws.SendAsync(PersonaPlexMessage.Audio(headers.AsSpan(headLength)), WebSocketMessageType.Binary, true, CancellationToken.None);
        var packet = new byte[4000];
        var pcm = new short[OutputFrameSamples];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < SpeakPackets; i++)
        {
            for (var s = 0; s < pcm.Length; s++)
                pcm[s] = (short)(6000 * Math.Sin(2 * Math.PI * 440 * (i * pcm.Length + s) / OpusCodecs.SampleRate));
            var n = encoder.Encode(pcm, pcm.Length, packet, packet.Length);
            await ws.SendAsync(PersonaPlexMessage.Audio(writer.AudioPage(packet.AsSpan(0, n), OutputFrameSamples)), WebSocketMessageType.Binary, true, CancellationToken.None);
            Interlocked.Increment(ref _packetsEchoed);
            var wait = SpeakInterval * (i + 1) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
    }

    private async Task EchoAsync(WebSocket ws, ChannelReader<byte[]?> inbox)
    {
        var reader = new OggOpusReader();
        using var decoder = new ModelToCallerDecoder();
        var writer = new OggOpusWriter(OggSerial, OpusCodecs.SampleRate, PreSkip, "sphn-pyo3");
        var encoder = OpusCodecs.CreateEncoder();
        var headersSent = false;
        var frame = new List<short>();
        var packet = new byte[4000];
        while (await inbox.ReadAsync() is { } message)
        {
            if (message.Length == 0 || message[0] != 0x01) continue;
            IReadOnlyList<byte[]> packets;
            try
            {
                packets = reader.Push(message.AsSpan(1));
            }
            catch (InvalidDataException e)
            {
                // sphn's reader thread stops; read_pcm returns None, opus_loop raises, and the server closes (1000).
                RejectedStreams.Enqueue(e.Message);
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                while (await inbox.ReadAsync() is not null) { }
                return;
            }
            foreach (var opus in packets)
            {
                if (reader.Head is { } head && HeadsSeen.IsEmpty) HeadsSeen.Enqueue(head);
                frame.AddRange(decoder.Decode24k(opus));
                while (frame.Count >= OutputFrameSamples)
                {
                    var pcm = frame.GetRange(0, OutputFrameSamples).ToArray();
                    frame.RemoveRange(0, OutputFrameSamples);
                    var n = encoder.Encode(pcm, pcm.Length, packet, packet.Length);
                    if (!headersSent)
                    {
                        headersSent = true;
                        var headers = writer.HeaderPages();
                        OggPage.TryParse(headers, out var headLength);
                        await ws.SendAsync(PersonaPlexMessage.Audio(headers.AsSpan(0, headLength)), WebSocketMessageType.Binary, true, CancellationToken.None);
                        await ws.SendAsync(PersonaPlexMessage.Audio(headers.AsSpan(headLength)), WebSocketMessageType.Binary, true, CancellationToken.None);
                    }
                    // sphn counts the granule position in samples at the input rate (24 kHz), not RFC 7845's 48 kHz.
                    await ws.SendAsync(PersonaPlexMessage.Audio(writer.AudioPage(packet.AsSpan(0, n), OutputFrameSamples)), WebSocketMessageType.Binary, true, CancellationToken.None);
                    Interlocked.Increment(ref _packetsEchoed);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    /// <summary>Opus decode (at the bridge's decode rate, see OpusCodecs.NativeDecodeRate) and resample to PersonaPlex's 24 kHz.</summary>
    private sealed class ModelToCallerDecoder : IDisposable
    {
        private readonly Concentus.IOpusDecoder _decoder = OpusCodecs.CreateDecoder();
        private readonly MonoResampler _resampler;

        public ModelToCallerDecoder() => _resampler = new MonoResampler(_decoder.SampleRate, OpusCodecs.SampleRate);
        private readonly short[] _pcm = new short[5760];
        private readonly short[] _out = new short[5760];

        public short[] Decode24k(byte[] packet)
        {
            var n = _decoder.Decode(packet, _pcm, _pcm.Length, false);
            var m = _resampler.Process(_pcm.AsSpan(0, n), _out);
            return _out[..m];
        }

        public void Dispose() => (_decoder as IDisposable)?.Dispose();
    }
}
