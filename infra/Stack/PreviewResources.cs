using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Resources;
using static VoiceEdge.Infra.Stack.StackContext;

namespace VoiceEdge.Infra.Stack;

/// <summary>A pull request's preview: the Worker alone on workers.dev, bound to the dev relay. No zone, no VM.</summary>
public static class PreviewResources
{
    public static IEnumerable<Resource> Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Preview is not { } preview) yield break;

        yield return Define("worker", Concern.Preview, WorkerScriptDeclaration.For(context, preview.RelayUrl));
        yield return Define("workerSubdomain", Concern.Preview,
            new WorkersScriptSubdomain(s.AccountId, Expr.Output("worker", "scriptName"), Enabled: true, PreviewsEnabled: false));
    }
}
