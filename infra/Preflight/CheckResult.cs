namespace VoiceEdge.Infra.Preflight;

public enum CheckOutcome { Pass, Fail, Skip }

/// <summary>One row of the preflight table: what was checked, how it went, and the fix when it failed.</summary>
public sealed record CheckResult(string Name, CheckOutcome Outcome, string Detail, string? Fix = null)
{
    public static CheckResult Pass(string name, string detail) => new(name, CheckOutcome.Pass, detail);
    public static CheckResult Fail(string name, string detail, string fix) => new(name, CheckOutcome.Fail, detail, fix);
    public static CheckResult Skip(string name, string detail) => new(name, CheckOutcome.Skip, detail);
}
