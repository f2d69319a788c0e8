using VoiceEdge.Infra.Model;
using VoiceEdge.Infra.Providers;

namespace VoiceEdge.Infra.Stack;

/// <summary>A pull request's preview: the Worker alone on workers.dev, bound to the dev relay. No zone, no VM.</summary>
public static class PreviewResources
{
    /// <summary>Returns the Worker's handle (null for full stacks).</summary>
    public static ResourceRef? Declare(StackContext context)
    {
        var s = context.Settings;
        if (s.Preview is not { } preview) return null;

        var worker = context.Define("worker", Concern.Preview, WorkerScriptDeclaration.For(context, preview.RelayUrl));
        context.Define("workerSubdomain", Concern.Preview,
            new WorkersScriptSubdomain { AccountId = s.AccountId, ScriptName = worker.Output("scriptName"), Enabled = true, PreviewsEnabled = false });
        return worker;
    }
}
