using System.Text.Json.Nodes;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// The fleet fixture (stacks/fixtures/Pulumi.fleet.yaml: relays weu in westeurope and eus in eastus, a zone of its own),
/// read alone as the CLI reads a stack, with edits; and relay lists to edit it with.
/// </summary>
public static class FleetFixture
{
    public const string Stack = "fleet";

    public static readonly string FilePath = Repo.Path("stacks", "fixtures", "Pulumi.fleet.yaml");

    public static StackConfig Config(params (string Key, string? Value)[] edits) =>
        Stacks.Edited(StackConfigSources.FromYaml(Stack, StackConfigSources.StackFileName(Stack), System.IO.File.ReadAllText(FilePath)), edits);

    public static StackSettings Read(params (string Key, string? Value)[] edits) => SettingsReader.Read(Config(edits), []);

    public static PulumiProgram Program(params (string Key, string? Value)[] edits) => StackProgramBuilder.Build(Read(edits), new FixedArtifacts());

    public static IReadOnlyList<ConfigProblem> Problems(params (string Key, string? Value)[] edits) => Stacks.Problems(Config(edits), []);

    /// <summary>The stack with <c>voice-edge:relays</c> set to these entries.</summary>
    public static PulumiProgram WithRelays(params JsonObject[] relays) => Program((ConfigKeys.Relays, List(relays)));

    public static string List(params JsonObject[] relays) => new JsonArray([.. relays]).ToJsonString();

    /// <summary>A relay entry as the fixture writes them: one PersonaPlex backend of its own.</summary>
    public static JsonObject Relay(string name, string location, bool? draining = null, string? vmSize = null)
    {
        var entry = new JsonObject
        {
            ["name"] = name,
            ["location"] = location,
            ["voiceBackends"] = new JsonArray(new JsonObject
            {
                ["url"] = $"wss://gpu-{name}.example.io:8998/api/chat",
                ["capacity"] = 1,
                ["defaultQuery"] = new JsonObject { ["voice_prompt"] = "NATF2.pt", ["text_prompt"] = "You enjoy having a good conversation." },
            }),
        };
        if (vmSize is not null) entry["vmSize"] = vmSize;
        if (draining is not null) entry["draining"] = draining;
        return entry;
    }
}
