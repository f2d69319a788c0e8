using System.Reflection;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;
using VoiceEdge.Infra.Tests.Support;

namespace VoiceEdge.Infra.Tests;

/// <summary>The provider resource model keeps one style, and references go through handles.</summary>
public partial class ProviderModelTests
{
    private static readonly Type[] ProviderTypes =
        [.. typeof(DnsRecord).Assembly.GetTypes().Where(t => t.Namespace == typeof(DnsRecord).Namespace && !t.IsNested)];

    [Fact]
    public void Provider_types_are_records_of_named_init_properties_like_the_yaml_they_become()
    {
        Assert.True(ProviderTypes.Length >= 40, $"found only {ProviderTypes.Length} provider types");
        foreach (var type in ProviderTypes)
        {
            Assert.True(type.IsSealed && type.GetMethod("<Clone>$") is not null, $"{type.Name} is not a sealed record");
            Assert.All(type.GetConstructors(), c => Assert.True(c.GetParameters().Length == 0, $"{type.Name} has a positional constructor"));
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                         .Where(p => p.Name != nameof(ResourceArgs.TypeToken) && p.GetIndexParameters().Length == 0))
                Assert.True(property.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") == true,
                    $"{type.Name}.{property.Name} is not an init property");
        }
    }

    [Fact]
    public void Provider_type_names_do_not_collide_with_the_stack_declarations()
    {
        var stackNames = typeof(StackProgramBuilder).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(StackProgramBuilder).Namespace).Select(t => t.Name).ToHashSet();
        Assert.DoesNotContain(ProviderTypes, t => stackNames.Contains(t.Name));
        Assert.DoesNotContain(ProviderTypes, t => t.Name.EndsWith("Resources", StringComparison.Ordinal));
    }

    /// <summary>Every <c>${name}</c> / <c>${name.output}</c> in a rendered program names a declared resource or config value.</summary>
    [Theory]
    [InlineData(GraphFixtures.Owner)]
    [InlineData(GraphFixtures.Sharer)]
    [InlineData(GraphFixtures.Preview)]
    [InlineData("plan-enterprise")]
    public void Every_reference_names_something_the_program_declares(string stack)
    {
        var program = stack.StartsWith("plan-", StringComparison.Ordinal) ? PlanFixtures.Program(stack[5..]) : GraphFixtures.Program(stack);
        var declared = program.Resources.Select(r => r.Name).Concat(program.Config.Select(c => c.Key)).ToHashSet();
        var references = ReferencePattern().Matches(Rendering.YamlProgramWriter.Write(program)).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.Contains(name, declared));
    }

    [Fact]
    public void A_resource_name_is_declared_once()
    {
        var context = new StackContext(SettingsReader.ReadAll([GraphFixtures.Config(GraphFixtures.Sharer)])[0], new FixedArtifacts());
        var first = context.Define("relayVm", Concern.RelayHost, new VmIdentityHolder());
        Assert.Equal("${relayVm.id}", first.Id);
        Assert.Throws<InvalidOperationException>(() => context.Define("relayVm", Concern.RelayHost, new VmIdentityHolder()));
    }

    [Fact]
    public void Only_secrets_the_resources_use_are_declared_and_plain_keys_are_not_secrets()
    {
        var context = new StackContext(SettingsReader.ReadAll([GraphFixtures.Config(GraphFixtures.Sharer)])[0], new FixedArtifacts());
        Assert.Empty(context.SecretDeclarations);
        Assert.Equal("${twilioAuthToken}", context.Secret(ConfigKeys.TwilioAuthToken));
        Assert.Equal(["twilioAuthToken"], context.SecretDeclarations.Select(c => c.Key));
        Assert.Throws<ArgumentException>(() => context.Secret(ConfigKeys.ZoneName));
    }

    private sealed record VmIdentityHolder : ResourceArgs
    {
        public override string TypeToken => "azure:compute/linuxVirtualMachine:LinuxVirtualMachine";
    }

    /// <summary>A Pulumi YAML interpolation not escaped as <c>$$</c>: the name before the first <c>.</c> or <c>[</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\$)\$\{([A-Za-z][A-Za-z0-9_]*)[.\[}]")]
    private static partial System.Text.RegularExpressions.Regex ReferencePattern();
}
