using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
}

/// <summary>
/// A stand-in PersonaPlex on Kestrel (loopback), speaking its /api/chat protocol (NVIDIA/personaplex,
/// moshi/server.py): <c>voice_prompt</c> and <c>text_prompt</c> query required, <c>seed</c> refused, one binary message per kind byte, 0x00 handshake after
/// a delay (prompt processing), 0x02 text, 0x01 Ogg Opus audio at 24 kHz. Like PersonaPlex it holds one
/// conversation at a time: <c>ServerState.handle_chat</c> upgrades the WebSocket (<c>ws.prepare</c>) and only then
/// takes <c>async with self.lock</c> around the prompts, the handshake and the conversation, so a second call is
/// upgraded and waits, silently, until the first ends. <c>GET /stats</c> says how many are in each state.
/// </summary>
public sealed class StandInPersonaPlex : IAsyncDisposable
{
    public const string Greeting = "Hello from the stand-in.";

    private LoopbackHost _host = null!;

    private StandInPersonaPlex() { }

    public TimeSpan HandshakeDelay { get; set; } = TimeSpan.FromMilliseconds(150);

    public StandInBehaviour Behaviour { get; set; } = StandInBehaviour.Echo;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>One conversation at a time, as PersonaPlex's lock.</summary>
    private readonly SemaphoreSlim _conversation = new(1, 1);

    private int _inConversation;
    private int _waiting;
    private long _conversations;

    /// <summary>Calls holding the conversation now (0 or 1).</summary>
    public int InConversation => Volatile.Read(ref _inConversation);

    /// <summary>Calls upgraded and waiting, silently, for the conversation to be free.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Conversations started (handshake sent or about to be) since the start.</summary>
    public long Conversations => Interlocked.Read(ref _conversations);

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
            app.MapGet("/stats", () => Results.Json(new { inConversation = standIn.InConversation, waiting = standIn.Waiting, conversations = standIn.Conversations }));
        }, port: port);
        standIn.BaseUri = standIn._host.BaseUri;
        return standIn;
    }

    private async Task ServeAsync(HttpContext context)
    {
        Queries.Enqueue(context.Request.QueryString.Value ?? "");
        // The real server upgrades first and then drops a call without voice_prompt or text_prompt, or with any seed
        // (moshi/server.py:152, 170, 171; docs/architecture.md "The real PersonaPlex server's contract"): the stand-in
        // refuses the same calls, before the upgrade, so a test sees it plainly.
        if (string.IsNullOrEmpty(context.Request.Query["voice_prompt"]) || !context.Request.Query.ContainsKey("text_prompt")
            || context.Request.Query.ContainsKey("seed"))
        {
            context.Response.StatusCode = 400;
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }
        using var ws = await context.WebSockets.AcceptWebSocketAsync();
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
        try
        {
            if (Behaviour == StandInBehaviour.NoHandshake)
            {
                await DrainAsync(ws);
                return;
            }
            await Task.Delay(HandshakeDelay, stopping);
            await ws.SendAsync(new byte[] { 0x00 }, WebSocketMessageType.Binary, true, CancellationToken.None);
            await ws.SendAsync((byte[])[0x02, .. System.Text.Encoding.UTF8.GetBytes(Greeting)], WebSocketMessageType.Binary, true, CancellationToken.None);
            switch (Behaviour)
            {
                case StandInBehaviour.Close:
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "conversation over", CancellationToken.None);
                    await DrainAsync(ws);
                    return;
                case StandInBehaviour.GarbageAudio:
                    await ws.SendAsync((byte[])[0x01, .. "this is not an ogg stream"u8], WebSocketMessageType.Binary, true, CancellationToken.None);
                    await DrainAsync(ws);
                    return;
                case StandInBehaviour.UnknownKind:
                    await ws.SendAsync(new byte[] { 0x07, 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    await DrainAsync(ws);
                    return;
            }
            await EchoAsync(ws);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The bridge went away, or the stand-in is stopping.
        }
    }

    private async Task EchoAsync(WebSocket ws)
    {
        var reader = new OggOpusReader();
        using var decoder = new ModelToCallerDecoder();
        var writer = new OggOpusWriter(0xEC40, OpusCodecs.SampleRate, 0);
        var encoder = OpusCodecs.CreateEncoder();
        var headersSent = false;
        var buffer = new byte[1 << 20];
        var frame = new List<short>();
        var packet = new byte[1275];
        while (true)
        {
            var (length, type) = await ws.ReceiveIntoAsync(buffer);
            if (type == WebSocketMessageType.Close)
            {
                ClosesReceived.Enqueue((ws.CloseStatus, ws.CloseStatusDescription));
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return;
            }
            if (length == 0 || buffer[0] != 0x01) continue;
            foreach (var opus in reader.Push(buffer.AsSpan(1, length - 1)))
            {
                if (reader.Head is { } head && HeadsSeen.IsEmpty) HeadsSeen.Enqueue(head);
                frame.AddRange(decoder.Decode24k(opus));
                while (frame.Count >= OpusCodecs.FrameSamples)
                {
                    var pcm = frame.GetRange(0, OpusCodecs.FrameSamples).ToArray();
                    frame.RemoveRange(0, OpusCodecs.FrameSamples);
                    var n = encoder.Encode(pcm, pcm.Length, packet, packet.Length);
                    var pages = headersSent ? [] : writer.HeaderPages();
                    headersSent = true;
                    await ws.SendAsync(PersonaPlexMessage.Audio([.. pages, .. writer.AudioPage(packet.AsSpan(0, n), 960)]), WebSocketMessageType.Binary, true, CancellationToken.None);
                    Interlocked.Increment(ref _packetsEchoed);
                }
            }
        }
    }

    private async Task DrainAsync(WebSocket ws)
    {
        var buffer = new byte[65536];
        while (ws.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var r = await ws.ReceiveAsync(buffer, _host.App.Lifetime.ApplicationStopping);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                ClosesReceived.Enqueue((ws.CloseStatus, ws.CloseStatusDescription));
                if (ws.State == WebSocketState.CloseReceived) await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                return;
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
