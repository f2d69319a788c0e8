namespace VoiceEdge.Infra.Contracts;

/// <summary>
/// What one operator change does on the next <c>pulumi up</c>, derived from the planned changes
/// (<see cref="ProgramDiff"/>) and the provider contracts: which resources are replaced or updated, what happens to
/// the VM, its IP and the <c>ws</c> record, to live calls, how the secrets reach the VM, and whether the deploy as
/// written goes through.
/// </summary>
public sealed record DayTwoOutcome(
    IReadOnlyList<string> Replaced,
    IReadOnlyList<string> Updated,
    string Vm,
    string LiveCalls,
    string Secrets,
    string Deploy)
{
    private const string VmName = "relayVm";
    private const string Ip = "relayIp";
    private const string Nic = "relayNic";
    private const string Dns = "relayDns";
    private const string Install = "relayInstall";
    private const string Worker = "worker";
    private const string EndpointCheck = "relayEndpointCheck";

    /// <summary>
    /// Types whose replacement keeps a name the program sets in a scope that outlives the old resource: Pulumi creates
    /// the replacement first, and azurerm refuses to create over an existing one (resource group: the subscription,
    /// terraform-provider-azurerm v4.80.0 internal/services/resource/resource_group_resource.go:75-85; storage account:
    /// global, storage/storage_account_resource.go:1396-1404, tf.ImportAsExistsError).
    /// </summary>
    private static readonly HashSet<string> NameTakenOnReplace = ["azure:core/resourceGroup:ResourceGroup", "azure:storage/account:Account"];

    public static DayTwoOutcome From(IReadOnlyList<ResourceChange> changes)
    {
        var by = changes.ToDictionary(c => c.Name);
        ResourceChange? Get(string name) => by.GetValueOrDefault(name);
        var vm = Get(VmName);
        var install = Get(Install);
        var worker = Get(Worker);
        var vmReplaced = vm?.Kind is ChangeKind.Replace or ChangeKind.Create;

        var replaced = changes.Where(c => c.Kind is ChangeKind.Replace or ChangeKind.Create or ChangeKind.Delete)
            .Select(c => c.Kind switch { ChangeKind.Create => $"{c.Name} (new)", ChangeKind.Delete => $"{c.Name} (deleted)", _ => c.Name }).ToList();
        var updated = changes.Where(c => c.Kind == ChangeKind.Update).Select(c => c.Name).ToList();

        string vmText;
        if (vmReplaced)
        {
            var ip = Get(Ip)?.Kind == ChangeKind.Replace ? "a new IP" : "the same IP";
            var dns = Get(Dns)?.Kind is ChangeKind.Update ? "the `ws` record is updated to it" : "the `ws` record is unchanged";
            vmText = $"replaced, with {ip}; {dns}";
        }
        else if (vm?.Disruptions.Count > 0)
            vmText = $"kept, stopped and started ({string.Join("; ", vm.Disruptions.Select(d => $"`{d.Input}`"))})";
        else
            vmText = vm is null ? "kept" : "kept, updated in place";

        string calls;
        if (vmReplaced) calls = "all: the old VM is deleted, and new calls fail until the new one has booted and installed the relay";
        else if (vm?.Disruptions.Count > 0) calls = "all: the VM is stopped and started";
        else
        {
            var parts = new List<string>();
            if (install is not null) parts.Add("none on the relay (the hand-over)");
            if (worker is not null) parts.Add("browser calls open through the Worker: not documented for a script update (new requests get the new version)");
            if (Touches(worker, "bindings.text") && Touches(install, "protectedParameters"))
                parts.Add("changed in one step, new browser calls are refused while the Worker and the relay hold different keys (updated in no set order); the three steps of \"Rotating the signing key\" refuse none");
            calls = parts.Count == 0 ? "none" : string.Join("; ", parts);
        }

        var secrets = new List<string>();
        if (install is null) secrets.Add("nothing runs on the VM");
        else if (install.Kind is ChangeKind.Replace or ChangeKind.Create) secrets.Add("the new run command's Create sends the protected parameters");
        else if (Touches(install, "protectedParameters")) secrets.Add("the run command's Update sends them (they changed)");
        else secrets.Add("**not sent**: the run command's Update runs install.sh without its protected parameters");
        if (worker is not null) secrets.Add("the Worker's upload carries every secret binding");

        var blocked = new List<string>();
        foreach (var c in changes.Where(c => c.Kind == ChangeKind.Replace && NameTakenOnReplace.Contains(c.TypeToken)))
            blocked.Add($"fails: `{c.Name}` keeps its name, which the old one holds until it is deleted after the new one is created (azurerm's import check)");
        if (vmReplaced && Get(Nic) is null && vm?.DeleteBeforeReplace != true)
            blocked.Add("fails: the new VM cannot take the NIC the old one still holds (NicInUse, pulumi/pulumi-azure#811)");
        if (vmReplaced && vm?.DeleteBeforeReplace == true)
            blocked.Add("goes through where the VM is not protected: the old VM is deleted first, which frees its NIC (`deleteBeforeReplace`)");
        if (vmReplaced) blocked.Add("refused in prod (`protect` on the VM; docs/operations.md, \"Replacing the relay VM\")");
        if (vm?.Disruptions.Any(d => d.Input == "size") == true)
            blocked.Add(Get(EndpointCheck)?.Kind is ChangeKind.Replace or ChangeKind.Create
                ? "goes through; a failed resize returns before the start and leaves the VM off, and `relayEndpointCheck` (triggered by the size) starts it on this `up` or the next"
                : "a failed resize returns before the start and leaves the VM off");
        if (install?.Kind == ChangeKind.Update && !Touches(install, "protectedParameters"))
            blocked.Add("fails: install.sh stops at its `:?` check");
        var deploy = blocked.Count == 0 ? "goes through" : string.Join("; ", blocked);

        return new DayTwoOutcome(replaced, updated, vmText, calls, string.Join("; ", secrets), deploy);
    }

    private static bool Touches(ResourceChange? change, string input) =>
        change is not null && change.ChangedInputs.Any(p => p == input || p.StartsWith(input + ".", StringComparison.Ordinal));
}
