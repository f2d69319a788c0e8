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

/// <summary>One emitted resource type and the provider rule it is held to, with the source it was read from.</summary>
public sealed record ProviderContract(string TypeToken, NameRule Name, string Source);
