using System.Text.RegularExpressions;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// docs/architecture.md states the real PersonaPlex server's contract that infra's and the relay's rules rely on, cited
/// at one pinned NVIDIA/personaplex commit; this keeps the section, its pin and the rules' key facts in place.
/// </summary>
public partial class PersonaPlexContractDocTests
{
    private const string PinnedCommit = "3428dfd95309a7f3c84fd93259ded0f810d1ff91";

    /// <summary>Lines of moshi/moshi/server.py and moshi/moshi/utils/connection.py at the pinned commit.</summary>
    private static readonly Dictionary<string, int> Lengths = new() { ["server.py"] = 483, ["connection.py"] = 228 };

    private static string Section()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "docs", "architecture.md"));
        var start = text.IndexOf("## The real PersonaPlex server's contract", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no section \"The real PersonaPlex server's contract\"");
        var end = text.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    [Fact]
    public void The_contract_is_pinned_and_states_what_the_rules_rely_on()
    {
        var section = Section();
        Assert.Contains(PinnedCommit, section);
        Assert.Contains("`text_prompt` is **required**", section);
        Assert.Contains("`voice_prompt` is **required**", section);
        Assert.Contains("`seed` is **broken**", section);
        Assert.Contains("NVIDIA/personaplex#75", section);
        foreach (var topic in new[] { "**One route.**", "**One conversation at a time.**", "**Handshake.**", "**Framing.**", "**Close.**", "**TLS.**" })
            Assert.Contains(topic, section);
    }

    [Fact]
    public void Every_citation_names_a_line_of_the_pinned_files()
    {
        var citations = Citation().Matches(Section());
        Assert.NotEmpty(citations);
        foreach (Match m in citations)
        {
            foreach (var range in m.Groups["lines"].Value.Split(", "))
            {
                var ends = range.Split('-').Select(int.Parse).ToArray();
                Assert.All(ends, n => Assert.InRange(n, 1, Lengths[m.Groups["file"].Value]));
                Assert.True(ends.Length == 1 || ends[0] < ends[1], $"{m.Value}: {range} is not a range");
            }
        }
    }

    [GeneratedRegex(@"(?<file>server\.py|connection\.py):(?<lines>\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*)")]
    private static partial Regex Citation();
}
