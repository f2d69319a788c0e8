using System.CommandLine;
using VoiceEdge.Smoke;

var outputsOption = new Option<string>("--outputs")
{
    Description = "Stack outputs as JSON: a file, or - for stdin (`pulumi stack output --json -s dev | ... --outputs -`)",
    Required = true,
};
var timeoutOption = new Option<int>("--timeout") { Description = "Seconds per check", DefaultValueFactory = _ => 15 };
var root = new RootCommand("voice-edge smoke test: HTTPS redirect, TLS, health of Worker and relay, WebSocket 101 through both paths. "
    + "Secrets from SMOKE_AUTH_JWT_SECRET and SMOKE_RELAY_SIGNING_KEY; Origin from SMOKE_ORIGIN.")
{
    outputsOption, timeoutOption,
};
root.SetAction(async parse =>
{
    var source = parse.GetValue(outputsOption)!;
    StackOutputs outputs;
    try
    {
        outputs = StackOutputs.Parse(source == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(source));
    }
    catch (Exception e) when (e is FormatException or IOException or System.Text.Json.JsonException)
    {
        Console.Error.WriteLine($"voice-edge smoke: cannot read the stack outputs: {e.Message}");
        return 2;
    }
    var secrets = new SmokeSecrets(
        Environment.GetEnvironmentVariable("SMOKE_AUTH_JWT_SECRET"),
        Environment.GetEnvironmentVariable("SMOKE_RELAY_SIGNING_KEY"),
        Environment.GetEnvironmentVariable("SMOKE_ORIGIN") is { Length: > 0 } origin ? origin : null);
    var results = await new SmokeChecks(outputs, secrets, TimeSpan.FromSeconds(parse.GetValue(timeoutOption))).RunAsync();
    Console.Out.Write(ResultTable.Render(results));
    return results.Any(r => r.Outcome == Outcome.Fail) ? 1 : 0;
});
return await root.Parse(args).InvokeAsync();
