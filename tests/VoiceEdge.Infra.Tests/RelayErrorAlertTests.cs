using System.Text.RegularExpressions;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The relay's log alert counts every way the relay turns a call away, one case per reason, checked against the
/// relay's own sources: the statuses it refuses with (relay/Relaying/RelayEndpoints.cs, as Caddy logs them) and
/// the upstream warnings it logs (relay/Observability/RelayLog.cs). KQL cannot run here, so the query's status
/// filter is read from its text: <c>status &gt;= N</c> and <c>status in (...)</c>.
/// </summary>
public partial class RelayErrorAlertTests
{
    private static readonly string RelayEndpoints = File.ReadAllText(Repo.Path("relay", "Relaying", "RelayEndpoints.cs"));
    private static readonly string RelayLog = File.ReadAllText(Repo.Path("relay", "Observability", "RelayLog.cs"));

    [Theory]
    [InlineData(401)] // missing token or Twilio signature
    [InlineData(403)] // bad or expired token, invalid Twilio signature
    [InlineData(426)] // not a WebSocket upgrade
    [InlineData(429)] // over the connection limit
    [InlineData(503)] // draining
    public void Each_refusal_status_of_the_relay_is_counted(int status)
    {
        Assert.Contains($"StatusCodes.Status{status}", RelayEndpoints);
        Assert.True(QueryCounts(status), $"the log alert's query does not count status {status}");
    }

    [Fact]
    public void No_refusal_status_of_the_relay_is_left_uncounted()
    {
        var statuses = StatusPattern().Matches(RelayEndpoints).Select(m => int.Parse(m.Groups[1].Value)).Where(s => s >= 400).Distinct().ToList();
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.True(QueryCounts(s), $"the relay refuses with {s}, which the log alert does not count"));
    }

    [Fact]
    public void Answers_that_are_not_refusals_are_not_counted()
    {
        Assert.False(QueryCounts(101));
        Assert.False(QueryCounts(200));
        Assert.False(QueryCounts(404));
    }

    [Theory]
    [InlineData("did not answer within")]
    [InlineData("refused the connection")]
    public void Each_upstream_warning_of_the_relay_is_counted(string phrase)
    {
        Assert.Contains(phrase, RelayLog);
        Assert.Contains($"SyslogMessage has \"{phrase}\"", MonitoringResources.ErrorQuery);
    }

    private static bool QueryCounts(int status)
    {
        var query = MonitoringResources.ErrorQuery;
        var atLeast = AtLeastPattern().Match(query);
        var listed = InListPattern().Match(query);
        Assert.True(atLeast.Success && listed.Success, "the query's status filter changed shape; update this test");
        return status >= int.Parse(atLeast.Groups[1].Value)
            || listed.Groups[1].Value.Split(',').Select(s => int.Parse(s.Trim())).Contains(status);
    }

    [GeneratedRegex(@"StatusCodes\.Status(\d{3})")] private static partial Regex StatusPattern();
    [GeneratedRegex(@"status >= (\d{3})")] private static partial Regex AtLeastPattern();
    [GeneratedRegex(@"status in \(([\d, ]+)\)")] private static partial Regex InListPattern();
}
