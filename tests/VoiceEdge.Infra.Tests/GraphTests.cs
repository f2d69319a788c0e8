using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>
/// What a stack declares, resource by resource, with the properties that matter: for the test-only stacks of
/// <see cref="GraphFixtures"/> (a production zone owner, a stack sharing its zone, a preview), not the committed ones.
/// </summary>
public class GraphTests
{
    private static T Args<T>(PulumiProgram program, string name) where T : ResourceArgs => Assert.IsType<T>(program[name].Args);

    [Fact]
    public void Prod_owns_the_zone_settings_kept_on_destroy_and_protected()
    {
        var prod = GraphFixtures.Program(GraphFixtures.Owner);
        var settings = prod.All<ZoneSetting>().ToDictionary(z => z.SettingId, z => z.Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["websockets"] = "on",
            ["ssl"] = "strict",
            ["always_use_https"] = "on",
            ["min_tls_version"] = "1.2",
        }, settings);
        Assert.All(prod.All<ZoneSetting>(), z => Assert.Equal(GraphFixtures.ZoneId, z.ZoneId));
        foreach (var zoneResource in prod.Resources.Where(r => r.Concern == Concern.Zone))
        {
            Assert.True(zoneResource.Options.RetainOnDelete, zoneResource.Name);
            Assert.True(zoneResource.Options.Protect, zoneResource.Name);
        }
    }

    [Fact]
    public void Prod_rate_limits_the_voice_path_of_every_environment_in_the_zone()
    {
        var ruleset = Args<Ruleset>(GraphFixtures.Program(GraphFixtures.Owner), "voiceRateLimit");
        Assert.Equal(("zone", "http_ratelimit"), (ruleset.Kind, ruleset.Phase));
        var rule = Assert.Single(ruleset.Rules);
        Assert.Equal("block", rule.Action);
        Assert.Equal("http.request.uri.path in {\"/staging/voice/ws\" \"/voice/ws\"}", rule.Expression);
        Assert.Equal(12, rule.Ratelimit.RequestsPerPeriod);
        Assert.Equal(10, rule.Ratelimit.Period);
        Assert.Equal(10, rule.Ratelimit.MitigationTimeout);
        Assert.Equal(["ip.src", "cf.colo.id"], rule.Ratelimit.Characteristics);
    }

    [Fact]
    public void Prod_on_free_alerts_through_azure_only_with_email_and_webhook()
    {
        var prod = GraphFixtures.Program(GraphFixtures.Owner);
        Assert.DoesNotContain(prod.Resources, r => r.Args.TypeToken.StartsWith("cloudflare:index/notificationPolicy", StringComparison.Ordinal));
        Assert.DoesNotContain(prod.Resources, r => r.Args is Healthcheck);
        var group = Args<ActionGroup>(prod, "alertActions");
        Assert.Equal("pager@example.org", Assert.Single(group.EmailReceivers).EmailAddress);
        Assert.Equal("${alertWebhookUrl}", Assert.Single(group.WebhookReceivers!).ServiceUri);
        Assert.Equal("${alertActions.id}", Args<ScheduledQueryRulesAlertV2>(prod, "relayErrorAlert").Action.ActionGroups.Single());
    }

    [Fact]
    public void A_stack_sharing_the_zone_declares_no_zone_resources()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        Assert.DoesNotContain(dev.Resources, r => r.Concern == Concern.Zone);
        Assert.Empty(dev.All<ZoneSetting>());
        Assert.Empty(dev.All<Ruleset>());
    }

    [Theory]
    [InlineData(GraphFixtures.Sharer, "wss-staging.example.org", "example.org/staging/voice/*", "/staging/voice")]
    [InlineData(GraphFixtures.Owner, "wss.example.org", "example.org/voice/*", "/voice")]
    public void Edge_has_a_dns_only_cname_to_the_relay_and_a_routed_worker(string stack, string record, string route, string prefix)
    {
        var program = GraphFixtures.Program(stack);
        var dns = Args<DnsRecord>(program, "relayDns");
        Assert.Equal((record, "CNAME", "${relayIp.fqdn}", false), (dns.Name, dns.Type, dns.Content, dns.Proxied));
        var routeArgs = Args<WorkersRoute>(program, "workerRoute");
        Assert.Equal((route, "${worker.scriptName}"), (routeArgs.Pattern, routeArgs.Script));

        var worker = Args<WorkersScript>(program, "worker");
        Assert.Equal($"voice-edge-{stack}", worker.ScriptName);
        Assert.Equal("worker.js", worker.MainModule);
        Assert.Equal(new Fn("readFile", "worker-src/dist/worker.js"), worker.Content);
        Assert.Equal(FixedArtifacts.WorkerSha, worker.ContentSha256);
        var bindings = worker.Bindings.ToDictionary(b => b.Name);
        Assert.Equal(("plain_text", $"https://{record}"), (bindings["RELAY_URL"].Type, bindings["RELAY_URL"].Text));
        Assert.Equal(("secret_text", "${relaySigningKey}"), (bindings["RELAY_SIGNING_KEY"].Type, bindings["RELAY_SIGNING_KEY"].Text));
        Assert.Equal(("secret_text", "${authJwtSecret}"), (bindings["AUTH_JWT_SECRET"].Type, bindings["AUTH_JWT_SECRET"].Text));
        Assert.Equal("plain_text", bindings["ALLOWED_ORIGINS"].Type);
        Assert.Equal(prefix, bindings["ROUTE_PREFIX"].Text);
    }

    [Fact]
    public void Relay_host_opens_no_ssh_without_admin_cidrs()
    {
        var program = GraphFixtures.Program(GraphFixtures.Sharer, (ConfigKeys.AdminCidrs, null));
        var rules = Args<NetworkSecurityGroup>(program, "relayNsg").SecurityRules;
        Assert.Equal(["443", "80"], rules.Where(r => r.Access == "Allow").Select(r => r.DestinationPortRange));
        Assert.DoesNotContain(rules, r => r.DestinationPortRange == "22");
        Assert.DoesNotContain(Args<NetworkSecurityGroup>(GraphFixtures.Program(GraphFixtures.Owner), "relayNsg").SecurityRules, r => r.DestinationPortRange == "22");
    }

    [Fact]
    public void Relay_host_opens_443_and_80_and_ssh_only_from_admin_cidrs()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        var rules = Args<NetworkSecurityGroup>(dev, "relayNsg").SecurityRules;
        var allowed = rules.Where(r => r.Access == "Allow").ToList();
        Assert.Equal(["443", "80", "22"], allowed.Select(r => r.DestinationPortRange));
        var ssh = allowed.Single(r => r.DestinationPortRange == "22");
        Assert.Equal(GraphFixtures.AdminCidrs, ssh.SourceAddressPrefixes);
        Assert.Null(ssh.SourceAddressPrefix);
        var deny = rules.Single(r => r.Access == "Deny");
        Assert.Equal(("*", "*", "Inbound"), (deny.DestinationPortRange, deny.SourceAddressPrefix, deny.Direction));
        Assert.True(deny.Priority > allowed.Max(r => r.Priority));
    }

    [Fact]
    public void Relay_vm_is_ubuntu_lts_with_ssh_keys_only_and_cloud_init()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        var vm = Args<LinuxVirtualMachine>(dev, "relayVm");
        Assert.True(vm.DisablePasswordAuthentication);
        Assert.Equal("Standard_B1ms", vm.Size);
        Assert.Equal(new SourceImageReference { Publisher = "Canonical", Offer = "ubuntu-24_04-lts", Sku = "server", Version = "latest" }, vm.SourceImageReference);
        Assert.Equal("voiceedge", Assert.Single(vm.AdminSshKeys).Username);
        Assert.StartsWith("ssh-ed25519 ", vm.AdminSshKeys[0].PublicKey);
        Assert.Equal(new Fn("toBase64", new Fn("readFile", "relay/deploy/cloud-init.yaml")), vm.CustomData);
        Assert.Equal(["${relayNic.id}"], vm.NetworkInterfaceIds);

        var ip = Args<PublicIp>(dev, "relayIp");
        Assert.Equal(("Static", "Standard", "graph-staging-relay"), (ip.AllocationMethod, ip.Sku, ip.DomainNameLabel));
        var association = Args<NetworkInterfaceSecurityGroupAssociation>(dev, "relayNicNsg");
        Assert.Equal(("${relayNic.id}", "${relayNsg.id}"), (association.NetworkInterfaceId, association.NetworkSecurityGroupId));
    }

    [Fact]
    public void Relay_host_alerts_on_cpu_and_availability_to_the_action_group()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        var group = Args<ActionGroup>(dev, "alertActions");
        Assert.Equal("global", group.Location);
        Assert.Equal("staging@example.org", Assert.Single(group.EmailReceivers).EmailAddress);
        var metrics = dev.All<MetricAlert>().Select(a => Assert.Single(a.Criterias).MetricName).Order().ToList();
        Assert.Equal(["Percentage CPU", "VmAvailabilityMetric"], metrics);
        Assert.All(dev.All<MetricAlert>(), a => Assert.Equal("${alertActions.id}", Assert.Single(a.Actions).ActionGroupId));
    }

    [Fact]
    public void Relay_deploy_packs_uploads_a_private_content_named_blob_and_installs_it_by_run_command()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer);
        var publish = Args<LocalCommand>(dev, "relayPublish");
        Assert.Equal("bash relay/deploy/package.sh relay/bin/package", publish.Create);
        Assert.Equal([FixedArtifacts.RelaySha], publish.Triggers);

        var storage = Args<StorageAccount>(dev, "relayStorage");
        Assert.False(storage.AllowNestedItemsToBePublic);
        Assert.True(storage.HttpsTrafficOnlyEnabled);
        Assert.Matches("^[a-z0-9]{3,24}$", storage.Name);
        Assert.NotEqual(storage.Name, Args<StorageAccount>(GraphFixtures.Program(GraphFixtures.Owner), "relayStorage").Name);
        var container = Args<StorageContainer>(dev, "relayPackages");
        Assert.Equal(("private", "${relayStorage.id}"), (container.ContainerAccessType, container.StorageAccountId));

        var blob = Args<StorageBlob>(dev, "relayPackage");
        Assert.Equal($"voice-edge-relay-{FixedArtifacts.RelaySha}.tar.gz", blob.Name);
        Assert.Equal(new Fn("fileAsset", "${relayPublish.stdout}"), blob.Source);
        Assert.Equal(["source"], dev["relayPackage"].Options.IgnoreChanges);

        var vm = Args<LinuxVirtualMachine>(dev, "relayVm");
        Assert.Equal(new VmIdentity { Type = "SystemAssigned" }, vm.Identity);
        var reader = Args<RoleAssignment>(dev, "relayPackageReader");
        Assert.Equal(("${relayPackages.id}", "Storage Blob Data Reader", "${relayVm.identity.principalId}"),
            (reader.Scope, reader.RoleDefinitionName, reader.PrincipalId));

        var install = Args<RunCommand>(dev, "relayInstall");
        Assert.Equal("${relayVm.id}", install.VirtualMachineId);
        var parameters = install.Parameters.ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal("${relayPackage.url}", parameters["RELAY_PACKAGE_URL"]);
        Assert.Equal("wss-staging.example.org", parameters["RELAY_WS_HOST"]);
        Assert.Equal("wss://wss-staging.example.org", parameters["RELAY_PUBLIC_BASE_URL"]);
        Assert.False(parameters.ContainsKey("RELAY_UPSTREAM"));
        Assert.Equal("wss://gpu-staging.example.org:9000/twilio", parameters["RELAY_TWILIO_UPSTREAM"]);
        // The pool, in order, one environment line per parameter: what run-command.sh hands install.sh.
        Assert.Equal(
            [
                "Relay__Backends__0__Url=wss://gpu-staging.example.org:9000/api/chat",
                "Relay__Backends__0__Capacity=1",
                "Relay__Backends__0__DefaultQuery__voice_prompt=NATF2.pt",
                "Relay__Backends__0__DefaultQuery__text_prompt=You are a calm phone agent.",
                "Relay__Backends__1__Url=wss://10.0.0.5:8998/api/chat",
                "Relay__Backends__1__Capacity=2",
                "Relay__Backends__1__CertificateSha256=q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
                "Relay__Backends__1__DefaultQuery__voice_prompt=NATM1.pt",
                "Relay__Backends__1__DefaultQuery__text_prompt=You answer briefly.",
                "Relay__AllowedQueryKeys__0=text_prompt",
                "Relay__TwilioAccountSid=ACfedcba9876543210fedcba9876543210",
            ],
            install.Parameters.Where(p => p.Name.StartsWith("RELAY_SETTING_", StringComparison.Ordinal)).Select(p => p.Value));
        Assert.Equal(
            Enumerable.Range(0, 11).Select(i => $"RELAY_SETTING_{i}"),
            install.Parameters.Where(p => p.Name.StartsWith("RELAY_SETTING_", StringComparison.Ordinal)).Select(p => p.Name));
        Assert.Equal("https://wss-staging.example.org/twilio/voice", dev.Outputs.Single(o => o.Name == "twilioVoiceWebhookUrl").Value);
        Assert.Equal("passthrough", parameters["RELAY_TWILIO_MODE"]);
        Assert.Equal(["relayPackageReader", "relayPackage"], dev["relayInstall"].Options.DependsOn.Select(d => d.Name));
        Assert.Equal("${relayInstall.instanceViews[0].output}", dev.Outputs.Single(o => o.Name == "relayDeployReport").Value);
    }

    [Fact]
    public void The_phone_bridge_mode_reaches_the_relay_through_the_run_command()
    {
        var dev = GraphFixtures.Program(GraphFixtures.Sharer, ("voice-edge:twilioMode", "personaplex"));
        var parameters = Args<RunCommand>(dev, "relayInstall").Parameters.ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal("personaplex", parameters["RELAY_TWILIO_MODE"]);
    }

    [Fact]
    public void An_unknown_phone_bridge_mode_and_one_on_a_preview_stack_are_refused()
    {
        var problem = Assert.Single(Stacks.Problems(GraphFixtures.Config(GraphFixtures.Sharer, ("voice-edge:twilioMode", "bridge")), []));
        Assert.Equal("voice-edge:twilioMode", problem.Key);
        Assert.Contains("passthrough, personaplex", problem.Problem);
        var preview = Assert.Single(Stacks.Problems(GraphFixtures.Config(GraphFixtures.Preview, ("voice-edge:twilioMode", "personaplex")), []));
        Assert.Equal("voice-edge:twilioMode", preview.Key);
    }

    [Fact]
    public void Nothing_in_a_full_stack_connects_to_the_vm_over_ssh()
    {
        foreach (var stack in new[] { GraphFixtures.Sharer, GraphFixtures.Owner })
        {
            var program = GraphFixtures.Program(stack);
            Assert.DoesNotContain(program.Resources, r => r.Args.Package == "command" && r.Args is not LocalCommand);
            Assert.DoesNotContain("privateKey", YamlProgramWriter.Write(program), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Preview_is_the_worker_alone_on_workers_dev_bound_to_the_dev_relay()
    {
        var preview = GraphFixtures.Program(GraphFixtures.Preview);
        Assert.Equal(["worker", "workerSubdomain"], preview.Resources.Select(r => r.Name));
        var worker = Args<WorkersScript>(preview, "worker");
        Assert.Equal("voice-edge-pr-42", worker.ScriptName);
        Assert.Equal("https://wss-staging.example.org", worker.Bindings.Single(b => b.Name == "RELAY_URL").Text);
        Assert.True(Args<WorkersScriptSubdomain>(preview, "workerSubdomain").Enabled);
        var outputs = preview.Outputs.ToDictionary(o => o.Name, o => o.Value);
        Assert.Equal("wss://voice-edge-pr-42.graph-fixture.workers.dev/voice/ws", outputs["browserUrl"]);
    }

    [Fact]
    public void Full_stacks_output_browser_and_twilio_urls_relay_fqdn_ip_and_worker()
    {
        var outputs = GraphFixtures.Program(GraphFixtures.Owner).Outputs.ToDictionary(o => o.Name, o => o.Value);
        Assert.Equal("wss://example.org/voice/ws", outputs["browserUrl"]);
        Assert.Equal("wss://wss.example.org/twilio/stream", outputs["twilioUrl"]);
        Assert.Equal("${relayIp.fqdn}", outputs["relayFqdn"]);
        Assert.Equal("${relayIp.ipAddress}", outputs["relayIp"]);
        Assert.Equal("${worker.scriptName}", outputs["workerName"]);
    }
}
