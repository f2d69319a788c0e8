using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The README's key table is generated from <see cref="ConfigKeys.All"/>, the one place each key is declared.
/// After adding or changing a key: `UPDATE_GOLDENS=1 dotnet test tests/VoiceEdge.Infra.Tests --filter ConfigKeyTable`.
/// </summary>
public class ConfigKeyTableTests
{
    private const string Begin = "<!-- config-keys:begin (generated from infra/Settings/ConfigKeys.cs; see ConfigKeyTableTests) -->";
    private const string End = "<!-- config-keys:end -->";

    private static string ReadmePath => Path.Combine(Repo.Root, "infra", "README.md");

    public static string Table() =>
        "| key | default | notes |\n| --- | --- | --- |\n" +
        string.Concat(ConfigKeys.All.Select(k => $"| `{k.Name}` | {k.Default} | {(k.Secret ? "secret: " : "")}{k.Doc} |\n"));

    [Fact]
    public void The_readme_key_table_is_the_generated_one()
    {
        var readme = File.ReadAllText(ReadmePath);
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"infra/README.md has no `{Begin}` ... `{End}` block");
        var generated = $"{Begin}\n{Table()}{End}";
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDENS") == "1")
        {
            readme = readme[..start] + generated + readme[(end + End.Length)..];
            File.WriteAllText(ReadmePath, readme);
        }
        Assert.Equal(generated, readme[start..(end + End.Length)]);
    }

    [Fact]
    public void Every_key_is_named_once_and_known_to_the_reader()
    {
        Assert.Equal(ConfigKeys.All.Count, ConfigKeys.All.Select(k => k.Name).Distinct().Count());
        Assert.Equal(ConfigKeys.All.Select(k => k.Qualified).Order(), ConfigKeys.Known.Order());
        Assert.All(ConfigKeys.All, k => Assert.DoesNotContain('|', k.Doc + k.Default));
    }

    [Fact]
    public void A_key_with_a_pattern_says_what_the_pattern_wants()
    {
        Assert.All(ConfigKeys.All.Where(k => k.Pattern is not null), k => Assert.StartsWith("must ", k.Rule));
        Assert.All(ConfigKeys.All.Where(k => k.Fallback is not null && k.Pattern is not null), k => Assert.Matches(k.Pattern!(), k.Fallback!));
        Assert.All(ConfigKeys.All.Where(k => k.Fallback is not null && k.Choices is not null), k => Assert.Contains(k.Fallback!, k.Choices!));
    }
}
