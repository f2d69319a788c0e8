using System.Text.Json;
using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// A caller's effective permissions at one scope, as ARM answers
/// <c>GET {scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01</c>:
/// <c>{value: [{actions, notActions, dataActions, notDataActions, condition?}], nextLink?}</c>, one entry per role
/// the caller holds there (learn.microsoft.com/rest/api/authorization/permissions/list-for-resource-group,
/// .../list-for-resource). An action is allowed when one entry's <c>actions</c> match it and the same entry's
/// <c>notActions</c> do not: notActions subtract from their own role only, never from another role's grant
/// (learn.microsoft.com/azure/role-based-access-control/role-definitions, "NotActions"). Patterns compare without
/// case and <c>*</c> matches any run of characters, <c>/</c> included ("Microsoft.Authorization/*/Write").
/// Deny assignments are not in this answer; a condition on an entry (an ABAC-constrained role) is kept, to be said.
/// </summary>
public sealed record AzurePermissionSet(IReadOnlyList<AzurePermissionEntry> Entries)
{
    public const string ApiVersion = "2022-04-01";

    public static string PathFor(string scope) => $"{scope}/providers/Microsoft.Authorization/permissions?api-version={ApiVersion}";

    /// <summary>The entry that allows <paramref name="action"/>, or null.</summary>
    public AzurePermissionEntry? Allowing(string action) => Entries.FirstOrDefault(e => e.Allows(action));

    /// <summary>Adds the entries of one answer page; false when the body is not shaped as documented.</summary>
    public static bool TryRead(JsonElement body, List<AzurePermissionEntry> into)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
            return false;
        foreach (var e in value.EnumerateArray())
        {
            into.Add(new AzurePermissionEntry(Strings(e, "actions"), Strings(e, "notActions"),
                e.ValueKind == JsonValueKind.Object && e.TryGetProperty("condition", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null));
        }
        return true;
    }

    private static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]
            : [];
}

public sealed record AzurePermissionEntry(IReadOnlyList<string> Actions, IReadOnlyList<string> NotActions, string? Condition)
{
    public bool Allows(string action) => Actions.Any(p => Matches(p, action)) && !NotActions.Any(p => Matches(p, action));

    public static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
