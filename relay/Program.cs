using Microsoft.Extensions.Options;
using VoiceEdge.Relay.Hosting;

try
{
    var app = RelayApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    // A misconfigured relay must not start: say which setting, never its value.
    foreach (var failure in e.Failures) Console.Error.WriteLine($"voice-edge relay: invalid configuration: {failure} (section Relay, e.g. environment Relay__SigningKey)");
    return 2;
}
