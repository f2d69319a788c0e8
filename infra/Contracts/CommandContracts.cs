namespace VoiceEdge.Infra.Contracts;

/// <summary>The command provider's rules (pulumi/pulumi-command v1.2.1, a native provider: no name input, no cloud permissions).</summary>
internal static class CommandContracts
{
    private const string Cmd = "pulumi/pulumi-command v1.2.1 provider/pkg/provider";

    public static IReadOnlyList<ProviderContract> All =>
    [
        new("command:local:Command", new NotAutoNamed(), "pulumi/pulumi-command (native provider; no name input)")
        {
            // A change to `create` alone is an update, which runs `create` again (no `update` set).
            ForcesReplacement = [new("triggers", $"{Cmd}/common/inputs.go:9-10 (provider:\"replaceOnChanges\")")],
            InPlace = ["create", "logging", "environment"],
            WriteOnly = [],
            Disruptive = [],
            Permissions = new([], [], [], $"{Cmd}/local/commandController.go:34-89 (runs on the deploying machine; an update runs create again, 79-89)"),
        },
    ];
}
