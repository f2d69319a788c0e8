using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;

namespace VoiceEdge.Infra.Contracts;

/// <summary>Holds a program to <see cref="ProviderContractTable"/>: every type has an entry, every auto-name fits, every set name passes the provider's validation.</summary>
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

    /// <summary>Names the program sets (literal text, not references) that the provider's validation refuses.</summary>
    public static IReadOnlyList<string> NameProblems(PulumiProgram program) =>
    [
        .. from r in program.Resources
           let contract = ProviderContractTable.For(r.Args.TypeToken)
           where contract is not null
           let inputs = ValueTree.OfArgs(r.Args).ToDictionary(kv => kv.Key, kv => kv.Value)
           from rule in contract.NameInputs
           let value = inputs.GetValueOrDefault(rule.Input) as string
           where value is not null && !value.Contains("${", StringComparison.Ordinal) && !rule.Accepts(value)
           select $"{program.StackName}: {r.Name}.{rule.Input} `{value}` does not pass the provider's validation ({rule.Source})",
    ];
}
