using VoiceEdge.Infra.Providers;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// Managed Run Commands on one VM as the Azure API and terraform-provider-azurerm (v4.80.0/v4.81.0,
/// internal/services/compute/virtual_machine_run_command_resource.go) handle them: a PUT runs the script with
/// every parameter and protected parameter as an environment variable; a GET returns the parameters but never the
/// protected ones (Read, line 421). The provider replaces the run command when its name changes (name is ForceNew,
/// lines 90-95; Create sends both lists, line 393), and otherwise updates it by PUTting back the GET with
/// parameters replaced when they changed and protected parameters only when they changed (Update, lines 502-555).
/// </summary>
public sealed class RunCommandApiStandIn
{
    private sealed record Stored(IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, string>? Protected);

    private readonly Dictionary<string, Stored> commands = [];
    private (string Name, IReadOnlyDictionary<string, string> Parameters, IReadOnlyDictionary<string, string> Protected)? state;

    /// <summary>The environment of each script run, in order.</summary>
    public List<IReadOnlyDictionary<string, string>> Runs { get; } = [];

    public IReadOnlyCollection<string> Names => commands.Keys;

    /// <summary>One <c>pulumi up</c> of this run command, with its expressions already resolved.</summary>
    public void Deploy(string name, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> protectedParameters)
    {
        if (state is not { } prior || prior.Name != name)
        {
            Put(name, new Stored(parameters, protectedParameters));
            if (state is { } old) commands.Remove(old.Name); // create before delete
        }
        else
        {
            var fromGet = Get(name);
            var payload = fromGet with
            {
                Parameters = Same(prior.Parameters, parameters) ? fromGet.Parameters : parameters,
                Protected = Same(prior.Protected, protectedParameters) ? fromGet.Protected : protectedParameters,
            };
            if (Same(prior.Parameters, parameters) && Same(prior.Protected, protectedParameters)) return; // no diff, no call
            Put(name, payload);
        }
        state = (name, parameters, protectedParameters);
    }

    private Stored Get(string name) => commands[name] with { Protected = null };

    private void Put(string name, Stored command)
    {
        commands[name] = command;
        Runs.Add(new Dictionary<string, string>(command.Parameters.Concat(command.Protected ?? new Dictionary<string, string>())));
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>The rendered run command's inputs with Pulumi's interpolations resolved from <paramref name="values"/>.</summary>
    public static IReadOnlyDictionary<string, string> Resolve(IEnumerable<RunCommandParameter> parameters, IReadOnlyDictionary<string, string> values) =>
        parameters.ToDictionary(p => p.Name, p => values.Aggregate(p.Value, (v, kv) => v.Replace(kv.Key, kv.Value, StringComparison.Ordinal)));
}
