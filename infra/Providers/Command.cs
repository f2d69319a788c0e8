using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Providers;

// Command provider 1.2.1 resources, run on the deploying machine only: the relay's publish and the check of its
// public endpoint. Nothing reaches the VM over SSH (the deploy is an Azure Run Command, see Azure.cs).

public sealed record LocalCommand : ResourceArgs
{
    public override string TypeToken => "command:local:Command";
    public required string Create { get; init; }
    public required IReadOnlyList<string> Triggers { get; init; }
    public string? Logging { get; init; }
    /// <summary>Extra environment variables of the command's process (never its arguments).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
