using VoiceEdge.Bench.LoadGen;

// bench only. Usage:
//   LoadGen echo <port>
//   LoadGen streams <ws-url> <count> [--rate 50] [--seconds 15] [--size 300] [--relay-key KEY]
// Prints one JSON line per streams run (microseconds for latencies).
if (args.Length >= 2 && args[0] == "echo")
{
    await Echo.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}
if (args.Length >= 3 && args[0] == "streams")
{
    string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    int Int(string name, int fallback) => Option(name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
    var options = new StreamsOptions(new Uri(args[1]), int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
        Int("--rate", 50), Int("--seconds", 15), Int("--size", 300), Option("--relay-key"));
    Console.WriteLine(await new Streams(options).RunAsync());
    return 0;
}
Console.Error.WriteLine("usage: LoadGen echo <port> | LoadGen streams <ws-url> <count> [--rate 50] [--seconds 15] [--size 300] [--relay-key KEY]");
return 2;
