using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceEdge.Bench.LoadGen;

/// <summary>Settings for one streams run.</summary>
public sealed record StreamsOptions(Uri Url, int Count, int Rate, int Seconds, int Size, string? RelayKey);

/// <summary>
/// N WebSocket streams, each sending a Twilio-shaped JSON text message at a fixed rate. Each stream's frame is built
/// (and masked) once; only the sequence number and send timestamp inside its payload are patched, already masked,
/// before each send. Sends are spread evenly over the interval by one sender thread; each stream's echoes are read
/// by its own receive loop, which records the round trip (now minus the timestamp in the payload) in a histogram and
/// checks that sequence numbers come back in order.
/// </summary>
public sealed class Streams(StreamsOptions o)
{
    private const string SeqMark = "SSSSSSSS";
    private const string TimeMark = "TTTTTTTTTTTTTTTT";
    private readonly Histogram _rtt = new();
    private long _received, _outOfOrder, _sendErrors;

    private sealed class Stream
    {
        public required Socket Socket;
        public required byte[] Frame;
        public required byte[] Mask;
        public required int PayloadStart, SeqAt, TimeAt;
        public long Sent, Received, LastSeq;
    }

    public async Task<string> RunAsync()
    {
        if (!IPAddress.TryParse(o.Url.Host.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
            throw new ArgumentException($"benchmarks target loopback addresses only, not {o.Url.Host}");
        var template = Template(o.Size);
        var streams = new Stream[o.Count];
        var connectStarted = Stopwatch.GetTimestamp();
        for (var i = 0; i < o.Count; i += 50)
        {
            var batch = Enumerable.Range(i, Math.Min(50, o.Count - i)).Select(async j => streams[j] = await OpenAsync(address, j, template));
            await Task.WhenAll(batch);
        }
        var connectSeconds = Stopwatch.GetElapsedTime(connectStarted).TotalSeconds;
        var receivers = streams.Select(ReceiveAsync).ToArray();

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        // Its own thread: with inline socket completions this method may be running on the socket engine's thread.
        var maxLagMs = await Task.Factory.StartNew(() => Send(streams), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var sent = streams.Sum(s => s.Sent);
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
        while (Interlocked.Read(ref _received) < sent && Stopwatch.GetTimestamp() < deadline) await Task.Delay(20);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        foreach (var s in streams) s.Socket.Dispose();
        await Task.WhenAll(receivers);
        var received = Interlocked.Read(ref _received);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{{\"streams\":{o.Count},\"seconds\":{o.Seconds},\"sent\":{sent},\"received\":{received},\"lost\":{sent - received},\"outOfOrder\":{_outOfOrder},\"sendErrors\":{_sendErrors},\"p50\":{_rtt.Percentile(50)},\"p90\":{_rtt.Percentile(90)},\"p99\":{_rtt.Percentile(99)},\"p999\":{_rtt.Percentile(99.9)},\"max\":{_rtt.Percentile(100)},\"maxSendLagMs\":{maxLagMs:F1},\"connectSeconds\":{connectSeconds:F2},\"generatorCpuSeconds\":{cpu:F2}}}");
    }

    /// <summary>The payload: Twilio Media Streams' media message shape, padded to about <paramref name="size"/> bytes.</summary>
    private static byte[] Template(int size)
    {
        var head = $"{{\"event\":\"media\",\"sequenceNumber\":\"{SeqMark}\",\"media\":{{\"track\":\"inbound\",\"timestamp\":\"{TimeMark}\",\"payload\":\"";
        const string tail = "\"},\"streamSid\":\"MZbench\"}";
        return Encoding.ASCII.GetBytes(head + new string('A', Math.Max(0, size - head.Length - tail.Length)) + tail);
    }

    private async Task<Stream> OpenAsync(IPAddress address, int index, byte[] payload)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new IPEndPoint(address, o.Url.Port), timeout.Token);
        var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        var request = new StringBuilder($"GET {o.Url.PathAndQuery} HTTP/1.1\r\nHost: {o.Url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n");
        if (o.RelayKey is not null) request.Append($"X-Voice-Edge-Auth: {Handshake.RelayToken(o.RelayKey, $"bench-{index}")}\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), SocketFlags.None, timeout.Token);
        var buffer = new byte[4096];
        var (head, extra) = await Handshake.ReadHeadAsync(socket, buffer, timeout.Token);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) || Handshake.Header(head, "Sec-WebSocket-Accept") != Handshake.Accept(key))
            throw new IOException($"stream {index}: handshake refused: {head.Split("\r\n")[0]}");
        if (extra != 0) throw new IOException($"stream {index}: unexpected bytes after the handshake");

        var mask = new byte[4];
        Random.Shared.NextBytes(mask);
        var headerLength = payload.Length < 126 ? 6 : 8;
        var frame = new byte[headerLength + payload.Length];
        frame[0] = 0x81;
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        mask.CopyTo(frame, headerLength - 4);
        for (var i = 0; i < payload.Length; i++) frame[headerLength + i] = (byte)(payload[i] ^ mask[i & 3]);
        var text = Encoding.ASCII.GetString(payload);
        return new Stream
        {
            Socket = socket, Frame = frame, Mask = mask, PayloadStart = headerLength,
            SeqAt = text.IndexOf(SeqMark, StringComparison.Ordinal), TimeAt = text.IndexOf(TimeMark, StringComparison.Ordinal),
        };
    }

    /// <summary>Sends every stream's message once per interval, spread evenly; returns the worst lag behind schedule.</summary>
    private double Send(Stream[] streams)
    {
        var interval = Stopwatch.Frequency / o.Rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var cycles = o.Seconds * o.Rate;
        long maxLag = 0;
        for (var c = 0; c < cycles; c++)
        {
            for (var i = 0; i < streams.Length; i++)
            {
                var due = start + c * interval + i * interval / streams.Length;
                var now = Stopwatch.GetTimestamp();
                while (due - now > Stopwatch.Frequency / 2000)
                {
                    Thread.Sleep(1);
                    now = Stopwatch.GetTimestamp();
                }
                maxLag = Math.Max(maxLag, now - due);
                var s = streams[i];
                var seq = c + 1;
                Patch(s, s.SeqAt, (ulong)seq, 8);
                Patch(s, s.TimeAt, (ulong)Stopwatch.GetTimestamp(), 16);
                try
                {
                    s.Socket.Send(s.Frame);
                    s.Sent++;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    Interlocked.Increment(ref _sendErrors);
                }
            }
        }
        return maxLag * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Writes <paramref name="value"/> as hex digits into the already-masked payload.</summary>
    private static void Patch(Stream s, int at, ulong value, int digits)
    {
        for (var d = digits - 1; d >= 0; d--)
        {
            var hex = "0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
            var p = at + d;
            s.Frame[s.PayloadStart + p] = (byte)(hex ^ s.Mask[p & 3]);
        }
    }

    private async Task ReceiveAsync(Stream s)
    {
        var buffer = new byte[16 * 1024];
        var have = 0;
        try
        {
            while (true)
            {
                var n = await s.Socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None);
                if (n == 0) return;
                var now = Stopwatch.GetTimestamp();
                have += n;
                var pos = 0;
                while (Frame.TryRead(buffer.AsSpan(pos, have - pos), out var frame) && have - pos >= frame.Total)
                {
                    if (frame.Opcode == 1 && frame.PayloadLength > s.TimeAt + 16)
                    {
                        var payload = buffer.AsSpan(pos + frame.HeaderLength, frame.PayloadLength);
                        if (frame.Masked) Frame.Mask(payload, frame.MaskKey);
                        var seq = (long)ParseHex(payload.Slice(s.SeqAt, 8));
                        var sentAt = (long)ParseHex(payload.Slice(s.TimeAt, 16));
                        _rtt.Record((now - sentAt) * 1_000_000 / Stopwatch.Frequency);
                        if (seq != s.LastSeq + 1) Interlocked.Increment(ref _outOfOrder);
                        s.LastSeq = seq;
                        s.Received++;
                        Interlocked.Increment(ref _received);
                    }
                    else if (frame.Opcode == 8)
                    {
                        return;
                    }
                    pos += frame.Total;
                }
                have -= pos;
                buffer.AsSpan(pos, have).CopyTo(buffer);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidDataException)
        {
        }
    }

    private static ulong ParseHex(ReadOnlySpan<byte> digits)
    {
        ulong value = 0;
        foreach (var d in digits) value = (value << 4) | (uint)(d <= '9' ? d - '0' : d - 'a' + 10);
        return value;
    }
}
