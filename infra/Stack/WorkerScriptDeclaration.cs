using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>The Worker script, the same for full and preview stacks except for the relay it is bound to.</summary>
public static class WorkerScriptDeclaration
{
    public static WorkersScript For(StackContext context, string relayBaseUrl)
    {
        var s = context.Settings;
        var artifact = context.Artifacts.Worker();
        var bindings = new List<WorkersScriptBinding>
        {
            new WorkersScriptBinding { Name = "RELAY_URL", Type = "plain_text", Text = relayBaseUrl },
            new WorkersScriptBinding { Name = "ALLOWED_ORIGINS", Type = "plain_text", Text = string.Join(",", s.AllowedOrigins) },
            new WorkersScriptBinding { Name = "ROUTE_PREFIX", Type = "plain_text", Text = s.RoutePrefix },
        };
        if (RelayFleet.WorkerRelaysJson(s) is { } relays)
            bindings.Insert(1, new WorkersScriptBinding { Name = "RELAYS", Type = "plain_text", Text = Expr.Literal(relays) });
        if (s.AuthJwksUrl is not null) bindings.Add(new WorkersScriptBinding { Name = "AUTH_JWKS_URL", Type = "plain_text", Text = s.AuthJwksUrl });
        if (s.AuthIssuer is not null) bindings.Add(new WorkersScriptBinding { Name = "AUTH_ISSUER", Type = "plain_text", Text = Expr.Literal(s.AuthIssuer) });
        if (s.AuthAudience is not null) bindings.Add(new WorkersScriptBinding { Name = "AUTH_AUDIENCE", Type = "plain_text", Text = Expr.Literal(s.AuthAudience) });
        bindings.Add(new WorkersScriptBinding { Name = "RELAY_SIGNING_KEY", Type = "secret_text", Text = context.Secret(ConfigKeys.RelaySigningKey) });
        bindings.Add(new WorkersScriptBinding { Name = "AUTH_JWT_SECRET", Type = "secret_text", Text = context.Secret(ConfigKeys.AuthJwtSecret) });

        return new WorkersScript
        {
            AccountId = s.AccountId,
            ScriptName = s.WorkerName,
            Content = Expr.ReadFile(artifact.Path),
            ContentSha256 = artifact.Sha256Hex,
            MainModule = "worker.js",
            CompatibilityDate = artifact.CompatibilityDate,
            CompatibilityFlags = artifact.CompatibilityFlags.Count > 0 ? artifact.CompatibilityFlags : null,
            Bindings = bindings,
            // Drift (terraform-provider-cloudflare #5522, #5439, fixed by its PR #5775; see infra/README.md "Drift that
            // settles"): the API answers observability with head_sampling_rate 1 at both levels and logs.persist true
            // when they are left out, so they are declared in that form and a refresh reads back what is declared.
            Observability = new WorkersScriptObservability
            {
                Enabled = true,
                HeadSamplingRate = 1,
                // No invocation logs: they record each request's URL with its query string, where a `?token=` carrier
                // would land. The Worker's own JSON log lines (one per call, never the URL) stay. The provider's
                // WorkersScript has no redactQueryString in the pinned 6.22.1 (only WorkerPreviews has it).
                Logs = new WorkersScriptObservabilityLogs { Enabled = true, HeadSamplingRate = 1, InvocationLogs = false, Persist = true },
            },
        };
    }
}
