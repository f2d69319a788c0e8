using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Settings;

/// <summary>
/// One <c>voice-edge:</c> stack setting: its name, default, validation rule and one-line doc. The reader, the
/// list of known keys and secrets, and the README's key table all come from <see cref="ConfigKeys.All"/>.
/// </summary>
public sealed record ConfigKey
{
    /// <summary>The name without its namespace, as <c>pulumi config set</c> and a Pulumi YAML program name it.</summary>
    public required string Name { get; init; }

    /// <summary>The fully qualified key, as stack files store it (<c>voice-edge:zoneName</c>).</summary>
    public string Qualified => $"{ConfigKeys.Namespace}:{Name}";

    /// <summary>The value when the key is unset and the default does not depend on other settings.</summary>
    public string? Fallback { get; init; }

    /// <summary>The README's default column where <see cref="Fallback"/> cannot say it (required, unset, computed).</summary>
    public string? DefaultText { get; init; }

    /// <summary>The README's notes column.</summary>
    public required string Doc { get; init; }

    /// <summary>Set only with <c>pulumi config set --secret</c>; the program only references it.</summary>
    public bool Secret { get; init; }

    /// <summary>The shape a value must have, with the rule's wording for the problem line ("must be ...").</summary>
    public Func<Regex>? Pattern { get; init; }
    public string? Rule { get; init; }

    /// <summary>The allowed values of a choice (compared lower-cased).</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>The inclusive range of a whole-number setting.</summary>
    public (int Min, int Max)? Range { get; init; }

    /// <summary>Only the stack that owns the zone may set it.</summary>
    public bool ZoneOwnerOnly { get; init; }

    /// <summary>A preview stack has no zone resources and no VM, so setting it there is a mistake.</summary>
    public bool RefusedInPreview { get; init; }

    public string Default => Fallback is { } f ? $"`{f}`" : DefaultText ?? "unset";

    public static implicit operator string(ConfigKey key) => key.Qualified;

    public override string ToString() => Qualified;
}
