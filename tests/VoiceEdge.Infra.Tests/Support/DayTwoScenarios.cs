using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Contracts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// Each operator change of <see cref="DayTwoMatrix"/> made to a fixture stack that owns its zone (PlanFixtures'
/// free plan, not prod): the program rendered before and after, and what changed outside its text.
/// </summary>
public static class DayTwoScenarios
{
    public const string Plan = "free";
    private const string OtherSha = "00000000000000000000000000000000000000000000000000000000000000ff";

    public static PulumiProgram Render(IArtifactSource? artifacts = null, params (string Key, string? Value)[] edits) =>
        StackProgramBuilder.Build(SettingsReader.Read(Stacks.Edited(PlanFixtures.Config(Plan), edits), []), artifacts ?? new FixedArtifacts());

    private static readonly PulumiProgram Before = Render();

    private static OutsideChanges Files(params string[] paths) => new(new HashSet<string>(), paths.ToHashSet());

    private static OutsideChanges Secrets(params string[] keys) => new(keys.ToHashSet(), new HashSet<string>());

    public static (PulumiProgram Before, PulumiProgram After, OutsideChanges Outside) For(string change) => change switch
    {
        DayTwoMatrix.RelayCode => (Before, Render(new FixedArtifacts { RelaySourceSha = OtherSha }), OutsideChanges.None),
        DayTwoMatrix.RelaySetting => (Before, Render(edits: ("voice-edge:voiceQueryKeys", """["text_prompt"]""")), OutsideChanges.None),
        DayTwoMatrix.SigningKeyRotation => (Before, Before, Secrets(ConfigKeys.Unqualified(ConfigKeys.RelaySigningKey))),
        DayTwoMatrix.TwilioTokenRotation => (Before, Before, Secrets(ConfigKeys.Unqualified(ConfigKeys.TwilioAuthToken))),
        DayTwoMatrix.VmSize => (Before, Render(edits: ("voice-edge:vmSize", "Standard_B2ms")), OutsideChanges.None),
        DayTwoMatrix.CloudInit => (Before, Before, Files(RepositoryArtifacts.CloudInitPath)),
        DayTwoMatrix.AdminCidrs => (Before, Render(edits: ("voice-edge:adminCidrs", "198.51.100.0/28")), OutsideChanges.None),
        DayTwoMatrix.Worker => (Before, Render(new FixedArtifacts { WorkerSourceSha = OtherSha }), Files(RepositoryArtifacts.WorkerPath)),
        DayTwoMatrix.RateLimit => (Before, Render(edits: ("voice-edge:rateLimitRequests", "20")), OutsideChanges.None),
        DayTwoMatrix.Region => (Before, Render(edits: ("voice-edge:azureLocation", "northeurope")), OutsideChanges.None),
        DayTwoMatrix.OsImage => (Before, WithImage(Before, "ubuntu-26_04-lts"), OutsideChanges.None),
        DayTwoMatrix.VoiceBackend => (Before, Render(edits: ("voice-edge:voiceBackends", """
            [{"url": "wss://gpu.example.net/api/chat", "defaultQuery": {"voice_prompt": "NATF2.pt", "text_prompt": "You enjoy having a good conversation."}},
             {"url": "wss://gpu2.example.net/api/chat", "capacity": 2, "defaultQuery": {"voice_prompt": "NATF2.pt", "text_prompt": "You enjoy having a good conversation."}}]
            """)), OutsideChanges.None),
        _ => throw new ArgumentException($"no scenario for {change}", nameof(change)),
    };

    /// <summary>The OS image is code (RelayHostResources), not config: the edit is applied to the rendered VM.</summary>
    private static PulumiProgram WithImage(PulumiProgram program, string offer)
    {
        var vm = program["relayVm"];
        var args = (LinuxVirtualMachine)vm.Args;
        var edited = vm with { Args = args with { SourceImageReference = args.SourceImageReference with { Offer = offer } } };
        return program with { Resources = [.. program.Resources.Select(r => r.Name == vm.Name ? edited : r)] };
    }

    public static DayTwoOutcome Outcome(string change)
    {
        var (before, after, outside) = For(change);
        return DayTwoOutcome.From(ProgramDiff.Between(before, after, outside));
    }
}
