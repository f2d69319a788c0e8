using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>What every resource group builds from: the stack's settings and its artifacts.</summary>
public sealed record StackContext(StackSettings Settings, IArtifactSource Artifacts)
{
    public IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>
    {
        ["project"] = "voice-edge",
        ["stack"] = Settings.StackName,
        ["managed-by"] = "pulumi",
    };

    public static Resource Define(string name, Concern concern, ResourceArgs args, ResourceOptions? options = null) =>
        new(name, concern, args, options ?? new ResourceOptions());
}
