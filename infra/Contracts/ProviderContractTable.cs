namespace VoiceEdge.Infra.Contracts;

/// <summary>
/// The providers' own rules for every resource type the program emits, read from their source at the pinned
/// versions (not from the SDK's type definitions): how the provider names it, which inputs force replacement,
/// which inputs it cannot read back and what an update does with them, which updates interrupt service, and what
/// the deploy identity needs to create, update and delete it. Each rule carries the file and line it was read from
/// (<see cref="AzureContracts"/>, <see cref="CloudflareContracts"/>, <see cref="CommandContracts"/>).
/// Azure naming: pulumi/pulumi-azure <c>provider/resources.go</c> calls <c>prov.SetAutonaming(24, "")</c> (line 3705
/// at v6.39.0, the newest tag mirrored; which azurerm v6.40.0 bridges could not be read), which gives every resource
/// with an optional or required <c>name</c> input logical name + 7 random characters, at most 24, unless its entry
/// overrides it with <c>AutoNameWithCustomOptions(... Maxlen: N)</c> (the lines cited). A type the program emits
/// without an entry here fails <c>ProviderContractTests</c>.
/// </summary>
public static class ProviderContractTable
{
    public static readonly IReadOnlyList<ProviderContract> All =
        [.. AzureContracts.All, .. CloudflareContracts.All, .. CommandContracts.All];

    public static ProviderContract? For(string typeToken) => All.FirstOrDefault(c => c.TypeToken == typeToken);
}
