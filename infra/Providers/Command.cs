using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Command provider 1.2.1 resources. Only the local publish: nothing reaches the VM over SSH (the deploy is an
// Azure Run Command, see Azure.cs).

public sealed record LocalCommand : ResourceArgs
{
    public override string TypeToken => "command:local:Command";
    public required string Create { get; init; }
    public required IReadOnlyList<string> Triggers { get; init; }
    public string? Logging { get; init; }
}
