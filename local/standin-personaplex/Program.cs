using System.Globalization;
using VoiceEdge.Local.StandIn;

// usage: standin-personaplex [--port <n>] [--handshake-ms <n>]
// Prints "listening <ws url of /api/chat with voice_prompt>" on stdout once it serves; runs until SIGTERM.
var port = 0;
var handshakeMs = 300;
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
        default:
            await Console.Error.WriteLineAsync($"standin-personaplex: unknown argument \"{args[i]}\" (use --port <n> --handshake-ms <n>)");
            return 2;
    }
}
await using var standIn = await StandInPersonaPlex.StartAsync(port);
standIn.HandshakeDelay = TimeSpan.FromMilliseconds(handshakeMs);
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
