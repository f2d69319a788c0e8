namespace VoiceEdge.Infra.Contracts;

/// <summary>How the provider names a resource whose <c>name</c> the program leaves unset.</summary>
public abstract record NameRule;

/// <summary>
/// The bridge's auto-naming: the logical name plus <see cref="RandomChars"/> random characters, no separator,
/// at most <see cref="MaxLength"/>; longer and <c>pulumi preview</c> stops with "name '…' plus 7 random chars is
/// longer than maximum length N" (pulumi/pulumi-azure#703).
/// </summary>
public sealed record AutoNamed(int MaxLength) : NameRule
{
    public const int RandomChars = 7;
    public bool Fits(string logicalName) => logicalName.Length + RandomChars <= MaxLength;
}

/// <summary>The provider does not auto-name this type (no <c>name</c> input, or auto-naming suppressed or never configured).</summary>
public sealed record NotAutoNamed : NameRule;

/// <summary>
/// An input whose change makes the provider replace the resource (azurerm <c>ForceNew</c>, cloudflare v5
/// <c>RequiresReplace</c>, pulumi-command <c>replaceOnChanges</c>). <see cref="Input"/> is the Pulumi input path as
/// the program renders it (camelCase, dots between nested fields, no list indices): a change at that path or
/// below it replaces.
/// </summary>
public sealed record ForcesReplacement(string Input, string Source);

/// <summary>
/// What the provider accepts for a name the program sets (often derived from the stack name): the provider's own
/// validation, as a regular expression over the whole value.
/// </summary>
public sealed record NamePattern(string Input, string Pattern, string Source)
{
    public bool Accepts(string value) => System.Text.RegularExpressions.Regex.IsMatch(value, Pattern);
}

/// <summary>
/// An input the provider keeps from state because the API never returns it (or marks sensitive), and what an
/// in-place update does with it.
/// </summary>
public sealed record WriteOnlyInput(string Input, string OnUpdate, string Source);

/// <summary>
/// An input the provider updates in place, but whose update interrupts what the resource serves (the VM is
/// stopped and started again, for example).
/// </summary>
public sealed record DisruptiveUpdate(string Input, string Effect, string Source);

/// <summary>
/// What the deploy identity needs for this type: Azure RBAC actions (data actions marked as such), or the
/// Cloudflare API token permission as the dashboard's token editor names it.
/// </summary>
public sealed record DeployPermissions(
    IReadOnlyList<string> Create,
    IReadOnlyList<string> Update,
    IReadOnlyList<string> Delete,
    string Source)
{
    public IEnumerable<string> All => Create.Concat(Update).Concat(Delete).Distinct(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One emitted resource type and the provider rules it is held to, each with the source it was read from.</summary>
public sealed record ProviderContract(string TypeToken, NameRule Name, string Source)
{
    /// <summary>Every input of the program's that forces replacement. An input not listed updates in place.</summary>
    public required IReadOnlyList<ForcesReplacement> ForcesReplacement { get; init; }

    /// <summary>
    /// The program's other top-level inputs of this type, read as updating in place (not ForceNew / RequiresReplace
    /// at the lines cited for the type). With <see cref="ForcesReplacement"/> they cover every input the program
    /// renders, so a new input without a reading fails <c>ProviderContractTests</c>.
    /// </summary>
    public required IReadOnlyList<string> InPlace { get; init; }

    public required IReadOnlyList<WriteOnlyInput> WriteOnly { get; init; }

    public IReadOnlyList<DisruptiveUpdate> Disruptive { get; init; } = [];

    /// <summary>Provider validation of the names the program sets for this type.</summary>
    public IReadOnlyList<NamePattern> NameInputs { get; init; } = [];

    public required DeployPermissions Permissions { get; init; }

    /// <summary>Whether a change at <paramref name="inputPath"/> (list indices removed) replaces the resource.</summary>
    public ForcesReplacement? Replaces(string inputPath) =>
        ForcesReplacement.FirstOrDefault(r => inputPath == r.Input || inputPath.StartsWith(r.Input + ".", StringComparison.Ordinal));

    public DisruptiveUpdate? Disrupts(string inputPath) =>
        Disruptive.FirstOrDefault(r => inputPath == r.Input || inputPath.StartsWith(r.Input + ".", StringComparison.Ordinal));
}
