using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// The relay VM's life after the first deploy, as rendered: a replacement frees the NIC before the new VM needs it
/// (deleteBeforeReplace; pulumi/pulumi-azure#811), keeps the IP and the ws record, is refused in production by
/// <c>protect</c> (a warning in preview); Azure's platform patching never reboots it.
/// </summary>
public class RelayVmLifecycleTests
{
    [Theory]
    [InlineData("dev", false)]
    [InlineData("prod", true)]
    public void The_vm_is_deleted_before_its_replacement_and_protected_in_production(string stack, bool production)
    {
        var vm = Stacks.Program(stack)["relayVm"];
        Assert.True(vm.Options.DeleteBeforeReplace);
        Assert.Equal(production, vm.Options.Protect);
        var yaml = Stacks.Yaml(stack);
        Assert.Contains("      - \"${relayNicNsg}\"\n      deleteBeforeReplace: true\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replaced_vm_keeps_its_nic_ip_and_ws_record_which_do_not_reference_it()
    {
        var program = Stacks.Program("dev");
        foreach (var name in new[] { "relayNic", "relayIp", "relayDns" })
            Assert.DoesNotContain("relayVm", string.Join('\n', PlanLines(program, name)), StringComparison.Ordinal);
        var dns = Assert.IsType<DnsRecord>(program["relayDns"].Args);
        Assert.Equal("${relayIp.fqdn}", dns.Content);
    }

    [Fact]
    public void What_names_the_vm_is_replaced_with_it_and_runs_after_it()
    {
        var program = Stacks.Program("dev");
        var install = Assert.IsType<RunCommand>(program["relayInstall"].Args);
        Assert.Equal("${relayVm.id}", install.VirtualMachineId);
        var reader = Assert.IsType<RoleAssignment>(program["relayPackageReader"].Args);
        Assert.Equal("${relayVm.identity.principalId}", reader.PrincipalId);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public void Platform_patching_installs_updates_but_never_reboots_the_relay(string stack)
    {
        var vm = Assert.IsType<LinuxVirtualMachine>(Stacks.Program(stack)["relayVm"].Args);
        Assert.Equal("AutomaticByPlatform", vm.PatchMode); // reboot_setting needs it (azurerm linux_virtual_machine_resource.go:667-670)
        Assert.Equal("Never", vm.RebootSetting);
        Assert.True(vm.ProvisionVmAgent);
    }

    [Fact]
    public void The_plan_says_which_resources_are_deleted_before_their_replacement_and_which_are_replaced_on_any_change()
    {
        var plan = PlanWriter.Write(Stacks.Settings("prod"), Stacks.Program("prod"));
        Assert.Contains("relayVm  azure LinuxVirtualMachine  [protected, deleted before its replacement is created]", plan, StringComparison.Ordinal);
        Assert.Contains("relayInstall  azure RunCommand  [replaced on changes to *]", plan, StringComparison.Ordinal);
    }

    private static IEnumerable<string> PlanLines(VoiceEdge.Infra.Model.PulumiProgram program, string resource) =>
        YamlProgramWriter.Write(program).Split('\n')
            .SkipWhile(l => l != $"  {resource}:").Skip(1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal));
}
