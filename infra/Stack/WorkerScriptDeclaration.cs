using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>The Worker script, the same for full and preview stacks except for the relay it is bound to.</summary>
public static class WorkerScriptDeclaration
{
    /// <summary>Must match worker-src/wrangler.jsonc.</summary>
    public const string CompatibilityDate = "2025-11-01";

    public static WorkersScript For(StackContext context, string relayBaseUrl)
    {
        var s = context.Settings;
        var artifact = context.Artifacts.Worker();
        var bindings = new List<WorkersScriptBinding>
        {
            new("RELAY_URL", "plain_text", relayBaseUrl),
            new("ALLOWED_ORIGINS", "plain_text", string.Join(",", s.AllowedOrigins)),
            new("ROUTE_PREFIX", "plain_text", s.RoutePrefix),
        };
        if (s.AuthJwksUrl is not null) bindings.Add(new("AUTH_JWKS_URL", "plain_text", s.AuthJwksUrl));
        if (s.AuthIssuer is not null) bindings.Add(new("AUTH_ISSUER", "plain_text", Expr.Literal(s.AuthIssuer)));
        if (s.AuthAudience is not null) bindings.Add(new("AUTH_AUDIENCE", "plain_text", Expr.Literal(s.AuthAudience)));
        bindings.Add(new("RELAY_SIGNING_KEY", "secret_text", context.Secret(ConfigKeys.RelaySigningKey)));
        bindings.Add(new("AUTH_JWT_SECRET", "secret_text", context.Secret(ConfigKeys.AuthJwtSecret)));

        return new WorkersScript
        {
            AccountId = s.AccountId,
            ScriptName = s.WorkerName,
            Content = Expr.ReadFile(artifact.Path),
            ContentSha256 = artifact.Sha256Hex,
            MainModule = "worker.js",
            CompatibilityDate = CompatibilityDate,
            Bindings = bindings,
            // Drift (terraform-provider-cloudflare #5522, #5439, fixed by its PR #5775; see infra/README.md "Drift that
            // settles"): the API answers observability with head_sampling_rate 1 at both levels and logs.persist true
            // when they are left out, so they are declared in that form and a refresh reads back what is declared.
            Observability = new WorkersScriptObservability(true, HeadSamplingRate: 1,
                new WorkersScriptObservabilityLogs(true, HeadSamplingRate: 1, InvocationLogs: true, Persist: true)),
        };
    }
}
