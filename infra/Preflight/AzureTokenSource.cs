using System.Diagnostics;

namespace VoiceEdge.Infra.Preflight;

/// <summary>An ARM bearer token, where it came from, or why there is none.</summary>
public sealed record AzureToken(string? Value, string Source, string? Problem);

/// <summary>
/// Finds an Azure Resource Manager token: <c>AZURE_ACCESS_TOKEN</c>, else the Azure CLI's
/// <c>az account get-access-token --resource https://management.azure.com/</c> (what <c>azure/login</c> sets up in CI).
/// </summary>
public static class AzureTokenSource
{
    public const string CliArguments = "account get-access-token --resource https://management.azure.com/ --query accessToken -o tsv";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    public static async Task<AzureToken> FindAsync(Func<string, string?> env, CancellationToken cancel)
    {
        if (env(PreflightEnvironment.AzureToken) is { Length: > 0 } token)
            return new AzureToken(token.Trim(), PreflightEnvironment.AzureToken, null);
        var az = FindOnPath(env("PATH"), "az");
        if (az is null)
            return new AzureToken(null, "", $"neither {PreflightEnvironment.AzureToken} is set nor the Azure CLI (az) is on PATH");
        return await FromCli(az, cancel).ConfigureAwait(false);
    }

    private static async Task<AzureToken> FromCli(string az, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(az)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in CliArguments.Split(' ')) start.ArgumentList.Add(arg);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new AzureToken(null, "az", $"could not run {az}: {e.Message}");
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(CliTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return new AzureToken(null, "az", $"`az {CliArguments}` did not finish within {CliTimeout.TotalSeconds:0} s");
        }
        var output = (await stdout.ConfigureAwait(false)).Trim();
        if (process.ExitCode == 0 && output.Length > 0 && !output.Contains('\n'))
            return new AzureToken(output, "az account get-access-token", null);
        // az prints no token on failure; its first stderr line says why (e.g. "Please run 'az login'").
        var reason = (await stderr.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
        return new AzureToken(null, "az", $"`az {CliArguments}` exited {process.ExitCode}: {Shorten(reason)}");
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private static string? FindOnPath(string? path, string name)
    {
        foreach (var dir in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
