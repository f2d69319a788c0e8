using System.Text;

namespace VoiceEdge.Infra.Contracts;

/// <summary>One operator change and what the next <c>pulumi up</c> does with it.</summary>
public sealed record DayTwoRow(string Change, string MadeBy, DayTwoOutcome Outcome);

/// <summary>
/// Day 2 on paper: for each change an operator makes, what the next <c>pulumi up</c> replaces and updates, what
/// happens to the VM, live calls and the secrets, and whether the deploy as written goes through. The outcomes are
/// what <see cref="DayTwoOutcome.From"/> derives from the provider contracts for a rendered change of each kind
/// (<c>DayTwoMatrixTests</c> renders them), and docs/operations.md carries <see cref="Markdown"/> verbatim.
/// </summary>
public static class DayTwoMatrix
{
    public const string RelayCode = "relay code";
    public const string RelaySetting = "a relay setting";
    public const string SigningKeyRotation = "rotating `relaySigningKey`";
    public const string TwilioTokenRotation = "rotating `twilioAuthToken`";
    public const string VmSize = "VM size";
    public const string CloudInit = "cloud-init";
    public const string AdminCidrs = "admin CIDRs";
    public const string Worker = "the Worker";
    public const string RateLimit = "rate-limit rules";
    public const string Region = "the region";
    public const string OsImage = "the OS image";
    public const string VoiceBackend = "another voice backend";

    public static readonly IReadOnlyList<DayTwoRow> Rows =
    [
        new(RelayCode, "a commit under `relay/` (a new package: the sources' hash)", new(["relayPublish", "relayPackage", "relayInstall"], ["relayEndpointCheck"],
            "kept",
            "none on the relay (the hand-over)",
            "the new run command's Create sends the protected parameters",
            "goes through")),
        new(RelaySetting, "`voiceQueryKeys`, `twilioAccountSid`, `twilioUpstream`, `twilioMode` or a backend's settings", new(["relayInstall"], ["relayEndpointCheck"],
            "kept",
            "none on the relay (the hand-over)",
            "the new run command's Create sends the protected parameters",
            "goes through")),
        new(SigningKeyRotation, "`pulumi config set --secret relaySigningKey`", new(["relayInstall"], ["worker", "relayEndpointCheck"],
            "kept",
            "none on the relay (the hand-over); browser calls open through the Worker: not documented for a script update (new requests get the new version); changed in one step, new browser calls are refused while the Worker and the relay hold different keys (updated in no set order); the three steps of \"Rotating the signing key\" refuse none",
            "the new run command's Create sends the protected parameters; the Worker's upload carries every secret binding",
            "goes through")),
        new(TwilioTokenRotation, "`pulumi config set --secret twilioAuthToken`", new(["relayInstall"], ["relayEndpointCheck"],
            "kept",
            "none on the relay (the hand-over)",
            "the new run command's Create sends the protected parameters",
            "goes through")),
        new(VmSize, "`vmSize`", new(["relayEndpointCheck"], ["relayVm"],
            "kept, stopped and started (`size`)",
            "all: the VM is stopped and started",
            "nothing runs on the VM",
            "goes through; a failed resize returns before the start and leaves the VM off, and `relayEndpointCheck` (triggered by the size) starts it on this `up` or the next")),
        new(CloudInit, "an edit to `relay/deploy/cloud-init.yaml`", new(["relayVm", "relayPackageReader", "relayInstall", "relayMonitorAgent", "relayLogRuleLink"], ["relayEndpointCheck", "relayCpuAlert", "relayAvailabilityAlert"],
            "replaced, with the same IP; the `ws` record is unchanged",
            "all: the old VM is deleted, and new calls fail until the new one has booted and installed the relay",
            "the new run command's Create sends the protected parameters",
            "goes through where the VM is not protected: the old VM is deleted first, which frees its NIC (`deleteBeforeReplace`); refused in prod (`protect` on the VM; docs/operations.md, \"Replacing the relay VM\")")),
        new(AdminCidrs, "`adminCidrs`", new([], ["relayNsg"],
            "kept",
            "none",
            "nothing runs on the VM",
            "goes through")),
        new(Worker, "a commit under `worker-src/` (a new bundle)", new([], ["worker"],
            "kept",
            "browser calls open through the Worker: not documented for a script update (new requests get the new version)",
            "nothing runs on the VM; the Worker's upload carries every secret binding",
            "goes through")),
        new(RateLimit, "`rateLimitRequests`, `rateLimitPeriod`, `rateLimitMitigationTimeout`", new([], ["voiceRateLimit"],
            "kept",
            "none",
            "nothing runs on the VM",
            "goes through")),
        new(Region, "`azureLocation`", new(["resourceGroup", "network", "subnet", "relayNsg", "relayIp", "relayNic", "relayNicNsg", "relayVm", "relayStorage", "relayPackages", "relayPackage", "relayPackageReader", "relayInstall", "monitoringLogs", "monitoringInsights", "workerHealthTest", "relayHealthTest", "relayMonitorAgent", "relayLogRule", "relayLogRuleLink", "relayErrorAlert"], ["relayDns", "relayEndpointCheck", "relayCpuAlert", "relayAvailabilityAlert", "workerHealthAlert", "relayHealthAlert"],
            "replaced, with a new IP; the `ws` record is updated to it",
            "all: the old VM is deleted, and new calls fail until the new one has booted and installed the relay",
            "the new run command's Create sends the protected parameters",
            "fails: `resourceGroup` keeps its name, which the old one holds until it is deleted after the new one is created (azurerm's import check); fails: `relayStorage` keeps its name, which the old one holds until it is deleted after the new one is created (azurerm's import check); goes through where the VM is not protected: the old VM is deleted first, which frees its NIC (`deleteBeforeReplace`); refused in prod (`protect` on the VM; docs/operations.md, \"Replacing the relay VM\")")),
        new(OsImage, "an edit to the VM's `sourceImageReference` (infra/Stack/RelayHostResources.cs)", new(["relayVm", "relayPackageReader", "relayInstall", "relayMonitorAgent", "relayLogRuleLink"], ["relayEndpointCheck", "relayCpuAlert", "relayAvailabilityAlert"],
            "replaced, with the same IP; the `ws` record is unchanged",
            "all: the old VM is deleted, and new calls fail until the new one has booted and installed the relay",
            "the new run command's Create sends the protected parameters",
            "goes through where the VM is not protected: the old VM is deleted first, which frees its NIC (`deleteBeforeReplace`); refused in prod (`protect` on the VM; docs/operations.md, \"Replacing the relay VM\")")),
        new(VoiceBackend, "a second entry in `voiceBackends`", new(["relayInstall"], ["relayEndpointCheck"],
            "kept",
            "none on the relay (the hand-over)",
            "the new run command's Create sends the protected parameters",
            "goes through")),
    ];

    public const string Header =
        "| change | made by | replaced | updated in place | the VM, its IP, the `ws` record | live calls | how secrets reach the VM | the deploy as written |\n" +
        "| --- | --- | --- | --- | --- | --- | --- | --- |\n";

    public static string Markdown()
    {
        var text = new StringBuilder(Header);
        foreach (var row in Rows)
        {
            var o = row.Outcome;
            text.Append(Row(row.Change, row.MadeBy, Names(o.Replaced), Names(o.Updated), o.Vm, o.LiveCalls, o.Secrets, o.Deploy));
        }
        return text.ToString();
    }

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"`{n}`"));

    private static string Row(params string[] cells) => "| " + string.Join(" | ", cells) + " |\n";
}
