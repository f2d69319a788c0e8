using System.Diagnostics;
using System.Globalization;
using VoiceEdge.Relay.PhoneBridge;

// CPU per bridged call: the relay's per-call media work in both directions, as fast as one thread runs it,
// once with the native libopus and once with Concentus's managed Opus, in one run.
//   up:   Twilio media JSON parsed -> mu-law -> 24 kHz -> Opus 20 ms -> Ogg page -> 0x01 message
//   down: 0x01 Ogg pages -> Opus decode -> 8 kHz -> mu-law -> Twilio media JSON
// Sockets are left out (bench/relay measures the relay's WebSocket cost). Audio: speech-like, synthetic
// (voiced harmonics with a moving pitch, syllable envelope and pauses; fixed seed), or --in an 8 kHz WAV.
var seconds = 60;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds" && i + 1 < args.Length) seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else
    {
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/bridge -- [--seconds <audio seconds per run, default 60>]");
        return 2;
    }
}

var caller = SpeechLike(8000, seconds, seed: 1);
var model24k = SpeechLike(24000, seconds, seed: 2);
var probe = OpusCodecs.Probe();
Console.WriteLine($"# bridged-call CPU, {seconds} s of audio each way per implementation; native: {probe.Version} ({probe.Why}); {Environment.ProcessorCount} cores");
Console.WriteLine();
// The machine is shared and noisy: runs alternate native and managed in short rounds, and each figure is the
// median over the rounds (the minimum, the least disturbed round, in brackets).
const int Rounds = 5;
var results = new Dictionary<bool, List<(double Up, double Down)>> { [true] = [], [false] = [] };
foreach (var native in new[] { true, false }) Run(native, 3); // warm-up: JIT and tiering
for (var round = 0; round < Rounds; round++)
    foreach (var native in new[] { true, false }) results[native].Add(Run(native, Math.Max(2, seconds / Rounds)));
Console.WriteLine("| opus | up (caller->model) us CPU per 20 ms | down (model->caller) us CPU per 20 ms | both | calls per core |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
foreach (var native in new[] { true, false })
{
    var r = results[native];
    double Median(IEnumerable<double> xs) => xs.Order().ElementAt(Rounds / 2);
    var both = r.Select(x => x.Up + x.Down).ToList();
    Console.WriteLine($"| {(native ? "native" : "managed")} | {Median(r.Select(x => x.Up)):F0} ({r.Min(x => x.Up):F0}) | {Median(r.Select(x => x.Down)):F0} ({r.Min(x => x.Down):F0}) | {Median(both):F0} ({both.Min():F0}) | {20_000 / Median(both):F0} ({20_000 / both.Min():F0}) |");
}
return 0;

(double UpMicros, double DownMicros) Run(bool native, int runSeconds)
{
    var frames = runSeconds * 50;
    // Prepared outside the timing: what Twilio sends, and the Ogg Opus PersonaPlex would send.
    var mulaw = new byte[frames * 160];
    MuLaw.Encode(caller.AsSpan(0, mulaw.Length), mulaw);
    var twilioMessages = Enumerable.Range(0, frames).Select(f =>
        System.Text.Encoding.UTF8.GetBytes($$"""{"event":"media","sequenceNumber":"{{f + 3}}","media":{"track":"inbound","chunk":"{{f + 1}}","timestamp":"{{f * 20}}","payload":"{{Convert.ToBase64String(mulaw, f * 160, 160)}}"},"streamSid":"MZ0123456789abcdef0123456789abcdef"}""")).ToArray();
    var modelPages = ModelStream(model24k, frames, native);

    var pages = new List<byte[]>();
    using var up = new CallerToModel(OpusCodecs.CreateEncoder(native), 7);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    long sink = 0;
    foreach (var json in twilioMessages)
    {
        var media = (TwilioMedia)TwilioMessage.Parse(json);
        pages.Clear();
        up.Push(media.Payload, pages);
        foreach (var page in pages) sink += PersonaPlexMessage.Audio(page).Length;
    }
    var upCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

    var out8k = new List<byte[]>();
    using var down = new ModelToCaller(OpusCodecs.CreateDecoder(native));
    cpu = Process.GetCurrentProcess().TotalProcessorTime;
    foreach (var message in modelPages)
    {
        out8k.Clear();
        down.Push(message.AsSpan(1), out8k);
        foreach (var frame in out8k) sink += TwilioOutbound.Media("MZ0123456789abcdef0123456789abcdef", frame).Length;
    }
    var downCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    if (sink == 0) throw new InvalidOperationException("nothing produced");
    return (upCpu.TotalMicroseconds / frames, downCpu.TotalMicroseconds / frames);
}

static List<byte[]> ModelStream(short[] pcm24k, int frames, bool native)
{
    var encoder = OpusCodecs.CreateEncoder(native);
    var writer = new OggOpusWriter(9, OpusCodecs.SampleRate, 312);
    var packet = new byte[1275];
    var messages = new List<byte[]> { PersonaPlexMessage.Audio(writer.HeaderPages()) };
    for (var f = 0; f < frames; f++)
    {
        var n = encoder.Encode(pcm24k.AsSpan(f * 480, 480), 480, packet, packet.Length);
        messages.Add(PersonaPlexMessage.Audio(writer.AudioPage(packet.AsSpan(0, n), 960)));
    }
    (encoder as IDisposable)?.Dispose();
    return messages;
}

static short[] SpeechLike(int rate, int seconds, int seed)
{
    var random = new Random(seed);
    var samples = new short[rate * seconds];
    double phase = 0;
    for (var i = 0; i < samples.Length; i++)
    {
        var t = (double)i / rate;
        var syllable = Math.Max(0, Math.Sin(2 * Math.PI * 4 * t)); // ~4 syllables/s
        var pause = (int)(t / 1.7) % 3 == 2 ? 0 : 1; // a pause every few seconds
        var pitch = 120 + 30 * Math.Sin(2 * Math.PI * 0.7 * t);
        phase += 2 * Math.PI * pitch / rate;
        double v = 0;
        for (var h = 1; h <= 12 && h * pitch < rate / 2.0; h++) v += Math.Sin(h * phase) / h;
        v += 0.05 * (random.NextDouble() - 0.5);
        samples[i] = (short)Math.Clamp(5000 * v * syllable * pause, short.MinValue, short.MaxValue);
    }
    return samples;
}
