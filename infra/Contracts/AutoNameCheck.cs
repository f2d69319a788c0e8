using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Contracts;

/// <summary>Holds a program to <see cref="ProviderContractTable"/>: every type has an entry, every auto-name fits.</summary>
public static class AutoNameCheck
{
    /// <summary>The <c>name</c> input the program sets, or null when the provider will choose one.</summary>
    public static string? ExplicitName(ResourceArgs args) =>
        args.GetType().GetProperty("Name")?.GetValue(args) as string;

    public static IReadOnlyList<string> Problems(PulumiProgram program) =>
    [
        .. program.Resources.Select(r => (r, contract: ProviderContractTable.For(r.Args.TypeToken))).SelectMany(x => x switch
        {
            { contract: null } => [$"{program.StackName}: {x.r.Name} is a {x.r.Args.TypeToken}, which has no entry in the provider contract table"],
            { contract.Name: AutoNamed rule } when ExplicitName(x.r.Args) is null && !rule.Fits(x.r.Name) =>
                new[] { $"{program.StackName}: name '{x.r.Name}' plus {AutoNamed.RandomChars} random chars is longer than maximum length {rule.MaxLength} ({x.contract.Source})" },
            _ => [],
        }),
    ];
}
