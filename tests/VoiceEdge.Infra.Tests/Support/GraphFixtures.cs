using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// Test-only stacks for the graph tests, so they check the program against values they chose and not against
/// whatever the committed stacks hold: a production zone owner (<c>prod</c>), a second full stack sharing its zone
/// (<c>staging</c>, with admin networks and no webhook), and a preview (<c>pr-42</c>). Read together, as the CLI
/// reads the committed stacks.
/// </summary>
public static class GraphFixtures
{
    public const string AccountId = "a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4";
    public const string ZoneId = "0f1e2d3c0f1e2d3c0f1e2d3c0f1e2d3c";
    public const string Owner = "prod";
    public const string Sharer = "staging";
    public const string Preview = "pr-42";
    public static readonly string[] AdminCidrs = ["192.0.2.0/28", "198.51.100.9/32"];

    private static readonly Dictionary<string, string> Yaml = new()
    {
        [Owner] = $"""
            config:
              voice-edge:cloudflareAccountId: {AccountId}
              voice-edge:cloudflareZoneId: {ZoneId}
              voice-edge:zoneName: example.org
              voice-edge:ownsZone: "true"
              voice-edge:zonePlan: free
              voice-edge:relayRecord: wss
              voice-edge:voiceBackends:
                - url: wss://gpu.example.org:8998/api/chat
                  defaultQuery:
                    voice_prompt: NATF2.pt
                    text_prompt: You are a calm phone agent.
              voice-edge:twilioAccountSid: ACfedcba9876543210fedcba9876543210
              voice-edge:alertEmails: pager@example.org
              voice-edge:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureFixtureFixtureFixtureFixtureFixture graph
              voice-edge:relayDnsLabel: graph-prod-relay
              voice-edge:rateLimitRequests: "12"
            {Secrets("twilioAuthToken", "alertWebhookUrl")}
            """,
        [Sharer] = $"""
            config:
              voice-edge:cloudflareAccountId: {AccountId}
              voice-edge:cloudflareZoneId: {ZoneId}
              voice-edge:zoneName: example.org
              voice-edge:routePrefix: /staging/voice
              voice-edge:relayRecord: wss-staging
              voice-edge:voiceBackends:
                - url: wss://gpu-staging.example.org:9000/api/chat
                  defaultQuery:
                    voice_prompt: NATF2.pt
                    text_prompt: You are a calm phone agent.
                - url: wss://10.0.0.5:8998/api/chat
                  capacity: 2
                  certificateSha256: q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=
                  defaultQuery:
                    voice_prompt: NATM1.pt
                    text_prompt: You answer briefly.
              voice-edge:voiceQueryKeys: [text_prompt]
              voice-edge:twilioAccountSid: ACfedcba9876543210fedcba9876543210
              voice-edge:alertEmails: staging@example.org
              voice-edge:vmSize: Standard_B1ms
              voice-edge:sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureFixtureFixtureFixtureFixtureFixture graph
              voice-edge:adminCidrs: {string.Join(",", AdminCidrs)}
              voice-edge:relayDnsLabel: graph-staging-relay
            {Secrets("twilioAuthToken")}
            """,
        [Preview] = $"""
            config:
              voice-edge:kind: preview
              voice-edge:cloudflareAccountId: {AccountId}
              voice-edge:workersDevSubdomain: graph-fixture
              voice-edge:relayUrl: https://wss-staging.example.org
            {Secrets()}
            """,
    };

    private static string Secrets(params string[] extra) => string.Concat(
        new[] { "relaySigningKey", "authJwtSecret" }.Concat(extra).Select(k => $"  voice-edge:{k}:\n    secure: v1:fixture\n"));

    /// <summary>A fixture stack's config, with some keys changed (null removes the key).</summary>
    public static StackConfig Config(string stack, params (string Key, string? Value)[] edits) =>
        Stacks.Edited(StackConfigSources.FromYaml(stack, StackConfigSources.StackFileName(stack), Yaml[stack]), edits);

    public static PulumiProgram Program(string stack, params (string Key, string? Value)[] edits)
    {
        var others = Yaml.Keys.Where(s => s != stack).Select(s => Config(s)).ToList();
        return StackProgramBuilder.Build(SettingsReader.Read(Config(stack, edits), others), new FixedArtifacts());
    }
}
