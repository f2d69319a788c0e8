using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// Test-only stacks, one per Cloudflare plan: a full stack that owns its own zone (example.net), so each plan's
/// program can be rendered and checked without touching the committed stacks.
/// </summary>
public static class PlanFixtures
{
    public static readonly string[] Plans = ["free", "pro", "business", "enterprise"];

    public const string ZoneId = "abcdefabcdefabcdefabcdefabcdef01";

    public static string StackName(string plan) => $"plan-{plan}";

    public static string Yaml(string plan, params (string Key, string Value)[] extra) => $"""
        config:
          voice-edge:cloudflareAccountId: 0123456789abcdef0123456789abcdef
          voice-edge:cloudflareZoneId: {ZoneId}
          voice-edge:zoneName: example.net
          voice-edge:ownsZone: "true"
          voice-edge:zonePlan: {plan}
          voice-edge:alertEmails: oncall@example.net,voice@example.net
          voice-edge:voiceBackends:
            - url: wss://gpu.example.net/api/chat
              defaultQuery:
                voice_prompt: NATF2.pt
                text_prompt: You enjoy having a good conversation.
          voice-edge:twilioAccountSid: AC0123456789abcdef0123456789abcdef
          voice-edge:twilioUpstream: wss://gpu.example.net/twilio
          voice-edge:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample fixture
          voice-edge:adminCidrs: 203.0.113.0/28
        {string.Concat(extra.Select(e => $"  {e.Key}: '{e.Value.Replace("'", "''")}'\n"))}  voice-edge:relaySigningKey:
            secure: v1:fixture
          voice-edge:authJwtSecret:
            secure: v1:fixture
          voice-edge:twilioAuthToken:
            secure: v1:fixture
          voice-edge:alertWebhookUrl:
            secure: v1:fixture
        """;

    public static StackConfig Config(string plan, params (string Key, string Value)[] extra) =>
        StackConfigSources.FromYaml(StackName(plan), StackConfigSources.StackFileName(StackName(plan)), Yaml(plan, extra));

    public static StackSettings Settings(string plan, params (string Key, string Value)[] extra) =>
        SettingsReader.Read(Config(plan, extra), []);

    public static PulumiProgram Program(string plan, params (string Key, string Value)[] extra) =>
        StackProgramBuilder.Build(Settings(plan, extra), new FixedArtifacts());

    public static string RenderedYaml(string plan) => YamlProgramWriter.Write(Program(plan));

    public static IReadOnlyList<ConfigProblem> Problems(string plan, params (string Key, string Value)[] extra) =>
        Stacks.Problems(Config(plan, extra), []);
}
