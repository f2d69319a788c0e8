using System.Globalization;
using VoiceEdge.Local.StandIn;

// usage: standin-personaplex [--port <n>] [--handshake-ms <n>] [--voices <a.pt,b.pt,...>]
// Prints "listening <ws url of /api/chat with voice_prompt>" on stdout once it serves; runs until SIGTERM.
// The handshake defaults to 2.5 s, about what the real server's prompts take (voice prompt, 0.5 s of silence, text
// prompt, 0.5 s of silence); --voices replaces the voice files it has (default NATF0-3.pt, NATM0-3.pt).
var port = 0;
var handshakeMs = 2500;
string[]? voices = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--handshake-ms" when i + 1 < args.Length:
            handshakeMs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--voices" when i + 1 < args.Length:
            voices = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            break;
        default:
            await Console.Error.WriteLineAsync($"standin-personaplex: unknown argument \"{args[i]}\" (use --port <n> --handshake-ms <n> --voices <a.pt,b.pt>)");
            return 2;
    }
}
await using var standIn = await StandInPersonaPlex.StartAsync(port);
standIn.HandshakeDelay = TimeSpan.FromMilliseconds(handshakeMs);
if (voices is not null) standIn.Voices = new HashSet<string>(voices, StringComparer.Ordinal);
Console.WriteLine($"listening {standIn.ChatUri}");
var stop = new TaskCompletionSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.TrySetResult();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
return 0;
