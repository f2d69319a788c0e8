using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Rendering;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// Checks emitted resources against the official provider SDK packages (tests/provider-sdks, pinned to the
/// versions the program emits): each resource becomes a TypeScript constructor call whose arguments are the
/// emitted properties as object literals, and `tsc --strict` type-checks them against the SDK's Args types.
/// Object-literal excess-property checks catch misspelt or renamed properties at every depth, and missing
/// required inputs fail too.
/// </summary>
public static partial class TypeScriptConformance
{
    public static string SdkDir => Repo.Path("tests", "provider-sdks");

    public static string ModuleDir(string package) => Path.Combine(SdkDir, "node_modules", "@pulumi", package);

    /// <summary>The SDK file that declares a type token, e.g. azure:network/publicIp:PublicIp -> azure/network/publicIp.js.</summary>
    public static (string ImportPath, string ClassName, string JsFile) Locate(string token)
    {
        var parts = token.Split(':');
        var (package, middle, className) = (parts[0], parts[1], parts[2]);
        if (package == "command")
        {
            var file = char.ToLowerInvariant(className[0]) + className[1..];
            return ($"@pulumi/command/{middle}", className, Path.Combine(ModuleDir(package), middle, file + ".js"));
        }
        var slash = middle.IndexOf('/');
        var (module, fileName) = (middle[..slash], middle[(slash + 1)..]);
        return module == "index"
            ? ($"@pulumi/{package}", className, Path.Combine(ModuleDir(package), fileName + ".js"))
            : ($"@pulumi/{package}/{module}", className, Path.Combine(ModuleDir(package), module, fileName + ".js"));
    }

    /// <summary>The token the SDK class declares (its static __pulumiType), or null when there is no such class file.</summary>
    public static string? DeclaredToken(string token)
    {
        var file = Locate(token).JsFile;
        if (!File.Exists(file)) return null;
        var match = PulumiTypePattern().Match(File.ReadAllText(file));
        return match.Success ? match.Groups[1].Value : null;
    }

    public static string Source(IEnumerable<(string Name, string Token, object? Properties)> resources)
    {
        var imports = new Dictionary<string, string>();
        var body = new StringBuilder();
        foreach (var (name, token, properties) in resources)
        {
            var (importPath, className, _) = Locate(token);
            if (!imports.TryGetValue(importPath, out var alias))
            {
                alias = $"m{imports.Count}";
                imports[importPath] = alias;
            }
            body.Append(CultureInfo.InvariantCulture, $"new {alias}.{className}({JsonSerializer.Serialize(name)}, {Literal(properties, "  ")});\n");
        }
        var sb = new StringBuilder("import * as pulumi from \"@pulumi/pulumi\";\n");
        foreach (var (path, alias) in imports) sb.Append(CultureInfo.InvariantCulture, $"import * as {alias} from {JsonSerializer.Serialize(path)};\n");
        sb.Append("void pulumi;\n").Append(body);
        return sb.ToString();
    }

    public static IEnumerable<(string Name, string Token, object? Properties)> Resources(PulumiProgram program) =>
        program.Resources.Select(r => (r.Name, r.Args.TypeToken, (object?)ValueTree.OfArgs(r.Args)));

    private static string Literal(object? value, string indent) => value switch
    {
        null => "undefined",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        int or long or double => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        List<KeyValuePair<string, object?>> fn when fn.Count == 1 && fn[0].Key.StartsWith("fn::", StringComparison.Ordinal) => Function(fn[0].Key[4..], fn[0].Value),
        List<KeyValuePair<string, object?>> map =>
            "{\n" + string.Concat(map.Select(kv => $"{indent}  {JsonSerializer.Serialize(kv.Key)}: {Literal(kv.Value, indent + "  ")},\n")) + indent + "}",
        List<object?> list => "[" + string.Join(", ", list.Select(i => Literal(i, indent))) + "]",
        _ => throw new InvalidOperationException($"no TypeScript literal for {value.GetType().Name}"),
    };

    /// <summary>Pulumi YAML built-ins, as the values they produce at deploy time.</summary>
    private static string Function(string name, object? argument) => name switch
    {
        "readFile" or "toBase64" => "(\"\" as string)",
        "secret" => $"pulumi.secret({Literal(argument, "")})",
        "fileArchive" => $"new pulumi.asset.FileArchive({Literal(argument, "")})",
        "fileAsset" => $"new pulumi.asset.FileAsset({Literal(argument, "")})",
        _ => throw new InvalidOperationException($"fn::{name} has no TypeScript equivalent here"),
    };

    /// <summary>Type-checks the sources with the pinned TypeScript; returns tsc's exit code and its diagnostics.</summary>
    public static (int ExitCode, string Output) Check(IReadOnlyDictionary<string, string> sources)
    {
        var dir = Path.Combine(SdkDir, "generated", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var (name, text) in sources) File.WriteAllText(Path.Combine(dir, name + ".ts"), text);
            var tsconfig = new
            {
                compilerOptions = new
                {
                    strict = true, noEmit = true, skipLibCheck = true, target = "es2020", module = "commonjs",
                    moduleResolution = "node", types = Array.Empty<string>(), noUnusedLocals = false,
                },
                files = sources.Keys.Select(k => k + ".ts").ToArray(),
            };
            File.WriteAllText(Path.Combine(dir, "tsconfig.json"), JsonSerializer.Serialize(tsconfig));
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            foreach (var arg in new[] { Path.Combine(SdkDir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--pretty", "false" })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("tsc did not finish within 3 minutes");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex("__pulumiType = '([^']+)'")]
    private static partial Regex PulumiTypePattern();
}
