using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;
using K = VoiceEdge.Infra.Settings.ConfigKeys;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The real PersonaPlex server's query (docs/architecture.md "The real PersonaPlex server's contract"): a backend at
/// /api/chat needs text_prompt, and seed kills every call until a release carries NVIDIA/personaplex PR #75.
/// </summary>
public class PersonaPlexQueryValidationTests
{
    private static StackConfig WithBackends(string json, params (string Key, string? Value)[] more) =>
        Stacks.Edited("dev", [(K.VoiceBackends, json), .. more]);

    private static ConfigProblem[] ProblemsOf(StackConfig config, string key) =>
        [.. Stacks.Problems(config).Where(p => p.Key == key)];

    [Fact]
    public void A_personaplex_backend_without_text_prompt_is_refused_naming_the_file_the_key_and_the_fix()
    {
        var problem = Assert.Single(ProblemsOf(WithBackends("""[{"url": "wss://gpu.example.com:8998/api/chat", "defaultQuery": {"voice_prompt": "NATF2.pt"}}]"""), K.VoiceBackends));
        Assert.StartsWith($"Pulumi.dev.yaml: {K.VoiceBackends}: entry 0 has no `defaultQuery.text_prompt`", problem.ToString());
        Assert.Contains("drops every call", problem.Problem);
        Assert.Contains("text_prompt: You enjoy having a good conversation.", problem.Fix);
        Assert.Contains("pulumi config set --path 'voiceBackends[0].defaultQuery.text_prompt'", problem.Fix);
    }

    [Fact]
    public void A_text_prompt_in_the_backend_url_counts_and_another_path_is_not_personaplex()
    {
        Assert.Empty(ProblemsOf(WithBackends("""[{"url": "wss://gpu.example.com:8998/api/chat?text_prompt=Hi", "defaultQuery": {"voice_prompt": "NATF2.pt"}}]"""), K.VoiceBackends));
        Assert.Empty(ProblemsOf(WithBackends("""[{"url": "wss://agent.example.com/media"}]"""), K.VoiceBackends));
    }

    [Theory]
    [InlineData("""[{"url": "wss://gpu.example.com:8998/api/chat", "defaultQuery": {"voice_prompt": "NATF2.pt", "text_prompt": "Hi", "seed": 42}}]""", "defaultQuery sets `seed`")]
    [InlineData("""[{"url": "wss://gpu.example.com:8998/api/chat?seed=42", "defaultQuery": {"voice_prompt": "NATF2.pt", "text_prompt": "Hi"}}]""", "url carries `seed`")]
    public void Seed_is_refused_for_a_personaplex_backend_naming_the_upstream_bug(string backends, string expected)
    {
        var problem = Assert.Single(ProblemsOf(WithBackends(backends), K.VoiceBackends));
        Assert.Contains(expected, problem.Problem);
        Assert.Contains("NVIDIA/personaplex PR #75", problem.Problem);
        Assert.Contains("seed", problem.Fix);
    }

    [Fact]
    public void Seed_among_the_keys_a_caller_may_set_is_refused()
    {
        var problem = Assert.Single(ProblemsOf(Stacks.Edited("dev", (K.VoiceQueryKeys, """["text_prompt", "seed"]""")), K.VoiceQueryKeys));
        Assert.Contains("NVIDIA/personaplex PR #75", problem.Problem);
        Assert.Contains("delete `seed` from voice-edge:voiceQueryKeys in Pulumi.dev.yaml", problem.Fix);
    }

    [Fact]
    public void The_committed_stacks_give_every_personaplex_backend_a_text_prompt_and_no_seed()
    {
        foreach (var stack in new[] { "dev", "prod" })
        {
            var edge = SettingsReader.Read(Stacks.Catalog.Load(stack), Stacks.Catalog.OthersThan(stack)).Edge!;
            Assert.All(edge.VoiceBackends, b => Assert.Contains(b.DefaultQuery, q => q.Key == "text_prompt" && q.Value.Length > 0));
            Assert.All(edge.VoiceBackends, b => Assert.DoesNotContain(b.DefaultQuery, q => q.Key == "seed"));
            Assert.DoesNotContain("seed", edge.VoiceQueryKeys);
        }
    }
}
