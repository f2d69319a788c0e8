using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Contracts;

/// <summary>The Azure actions a program's deploy needs (create, update and delete of every resource it declares), from the contract table.</summary>
public static class DeployPermissionsNeeded
{
    /// <summary>Each Azure action, with the resources that need it.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(PulumiProgram program) =>
        program.Resources
            .Where(r => r.Args.Package == "azure")
            .SelectMany(r => (ProviderContractTable.For(r.Args.TypeToken)?.Permissions.All ?? []).Select(action => (action, r.Name)))
            .GroupBy(x => x.action, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(x => x.Name).Distinct()], StringComparer.OrdinalIgnoreCase);
}
