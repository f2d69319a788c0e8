using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// <c>voice-edge preflight &lt;stack&gt;</c>: what offline validation cannot know, asked of the real Cloudflare and
/// Azure APIs with the user's credentials. Prints the table on stdout; exit 0 only when every check passed.
/// </summary>
public static class PreflightRunner
{
    public const int AllPassed = 0;
    public const int SomeFailed = 1;

    /// <exception cref="InvalidConfigException">The stack's config is invalid (nothing is called).</exception>
    /// <exception cref="ConfigFileException">A stack file or an override is unreadable.</exception>
    public static async Task<int> RunAsync(StackCatalog catalog, string stack, bool skipAzure, Func<string, string?> env, TextWriter output, CancellationToken cancel)
    {
        var config = catalog.Load(stack);
        var settings = SettingsReader.Read(config, catalog.OthersThan(stack));
        var inputs = PreflightInputs.Resolve(config, env);
        var redactor = new SecretRedactor();
        redactor.Add(inputs.CloudflareToken);

        using var http = JsonApiClient.CreateHttpClient(inputs.Timeout);
        var rows = new List<CheckResult>();
        rows.AddRange(await Guarded("Cloudflare checks", () => new CloudflareChecks(settings, config, inputs, http).RunAsync(cancel)).ConfigureAwait(false));
        rows.AddRange(await Guarded("Azure checks", () => new AzureChecks(settings, inputs, http, redactor, env).RunAsync(skipAzure, cancel)).ConfigureAwait(false));

        await output.WriteAsync(PreflightTable.Write(stack, rows, redactor)).ConfigureAwait(false);
        return rows.Any(r => r.Outcome == CheckOutcome.Fail) ? SomeFailed : AllPassed;
    }

    /// <summary>An answer shaped unlike the documented one ends that side's checks as a failed row, not a trace.</summary>
    private static async Task<IReadOnlyList<CheckResult>> Guarded(string area, Func<Task<IReadOnlyList<CheckResult>>> checks)
    {
        try
        {
            return await checks().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or System.Text.Json.JsonException or UriFormatException or IndexOutOfRangeException)
        {
            return [CheckResult.Fail(area, $"stopped on an unexpected answer ({e.GetType().Name}: {e.Message})", "run preflight again; if it persists, report it with this line")];
        }
    }
}
