using VoiceEdge.Infra.Artifacts;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Preflight;
using VoiceEdge.Infra.Rendering;
using VoiceEdge.Infra.Settings;
using VoiceEdge.Infra.Stack;

namespace VoiceEdge.Infra.Cli;

/// <summary>The command-line verbs. stdout carries only the result; every diagnostic goes to stderr.</summary>
public static class Commands
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int InvalidConfig = 2;

    public static int Render(string stack, string? projectDir) =>
        Run(() =>
        {
            var (settings, program) = Build(new StackCatalog(ProjectDir(projectDir)), stack);
            _ = settings;
            Console.Out.Write(YamlProgramWriter.Write(program));
        });

    public static int Plan(string stack, string? projectDir, string format = "text", IReadOnlyDictionary<string, ResourceChange>? changes = null) =>
        Run(() =>
        {
            var (settings, program) = Build(new StackCatalog(ProjectDir(projectDir)), stack);
            Console.Out.Write(format == "mermaid" ? MermaidWriter.Write(settings, program, changes) : PlanWriter.Write(settings, program));
        });

    public static int Validate(string? projectDir) =>
        Run(() =>
        {
            var catalog = new StackCatalog(ProjectDir(projectDir));
            var stacks = catalog.CommittedStacks();
            SettingsReader.ReadAll(stacks);
            Console.Out.WriteLine($"{stacks.Count} stacks valid: {string.Join(", ", stacks.Select(s => s.StackName))}");
        });

    /// <summary>
    /// Pulumi runs this twice per operation: first without PULUMI_STACK (to learn which plugins to install),
    /// then with PULUMI_STACK and PULUMI_CONFIG (secrets decrypted) in the project folder.
    /// </summary>
    public static int Compile(string? projectDir) =>
        Run(() =>
        {
            var stack = Environment.GetEnvironmentVariable("PULUMI_STACK");
            if (string.IsNullOrEmpty(stack))
            {
                Console.Out.Write(YamlProgramWriter.WritePluginManifest());
                return;
            }
            var catalog = new StackCatalog(ProjectDir(projectDir));
            var config = StackConfigSources.FromPulumiEnvironment(stack,
                Environment.GetEnvironmentVariable("PULUMI_CONFIG") ?? "{}",
                Environment.GetEnvironmentVariable("PULUMI_CONFIG_SECRET_KEYS"));
            var settings = SettingsReader.Read(config, catalog.OthersThan(stack));
            var program = StackProgramBuilder.Build(settings, new RepositoryArtifacts(catalog.ProjectDir));
            Console.Out.Write(YamlProgramWriter.Write(program));
        });

    /// <summary>Checks the real Cloudflare and Azure accounts against the stack; the table goes to stdout.</summary>
    public static int Preflight(string stack, string? projectDir, bool skipAzure)
    {
        var exit = Failed;
        var outcome = Run(() => exit = PreflightRunner.RunAsync(new StackCatalog(ProjectDir(projectDir)), stack, skipAzure,
            PreflightEnvironment.Process, Console.Out, CancellationToken.None).GetAwaiter().GetResult());
        return outcome == Ok ? exit : outcome;
    }

    private static (StackSettings, PulumiProgram) Build(StackCatalog catalog, string stack)
    {
        var settings = SettingsReader.Read(catalog.Load(stack), catalog.OthersThan(stack));
        return (settings, StackProgramBuilder.Build(settings, new RepositoryArtifacts(catalog.ProjectDir)));
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return Ok;
        }
        catch (InvalidConfigException e)
        {
            foreach (var problem in e.Problems) Console.Error.WriteLine(problem);
            Console.Error.WriteLine($"{e.Problems.Count} problem(s); nothing was emitted.");
            return InvalidConfig;
        }
        catch (ConfigFileException e)
        {
            Console.Error.WriteLine(e.Message);
            return InvalidConfig;
        }
        catch (ArtifactMissingException e)
        {
            Console.Error.WriteLine(e.Message);
            return Failed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug, not a user error: one line instead of a trace; VOICE_EDGE_DEBUG=1 shows the trace.
            Console.Error.WriteLine($"voice-edge: internal error ({e.GetType().Name}: {ConfigText.Show(e.Message)}); please report it with the command you ran");
            if (Environment.GetEnvironmentVariable("VOICE_EDGE_DEBUG") == "1") Console.Error.WriteLine(e);
            return Failed;
        }
    }

    /// <summary>The given folder, else the nearest folder upwards that holds Pulumi.yaml.</summary>
    private static string ProjectDir(string? given)
    {
        if (given is not null) return Path.GetFullPath(given);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pulumi.yaml"))) return dir.FullName;
        }
        throw new ConfigFileException("Pulumi.yaml not found in this folder or above; run from the voice-edge repository or pass --project-dir");
    }
}
