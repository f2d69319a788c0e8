using System.Globalization;
using VoiceEdge.Infra.Settings;

namespace VoiceEdge.Infra.Stack;

/// <summary>
/// The relay's list-shaped, non-secret settings as lines of its environment file (<c>Relay__Backends__0__Url=...</c>),
/// the names ASP.NET configuration binds (relay/Hosting/RelayOptions.cs, relay/Relaying/Pool/BackendOptions.cs).
/// The Run Command passes each as its own parameter (<see cref="ParameterName"/>); run-command.sh checks every
/// name against the shapes below and refuses a value with a line break. Secrets never go here.
/// </summary>
public static class RelayEnvironment
{
    public const string ParameterPrefix = "RELAY_SETTING_";

    public static string ParameterName(int index) => ParameterPrefix + index.ToString(CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> Lines(EdgeSettings edge)
    {
        var lines = new List<string>();
        for (var i = 0; i < edge.VoiceBackends.Count; i++)
        {
            var b = edge.VoiceBackends[i];
            var at = $"Relay__Backends__{i}__";
            lines.Add($"{at}Url={b.Url}");
            lines.Add($"{at}Capacity={b.Capacity.ToString(CultureInfo.InvariantCulture)}");
            if (b.CertificateSha256 is { } pin) lines.Add($"{at}CertificateSha256={pin}");
            foreach (var (key, value) in b.DefaultQuery) lines.Add($"{at}DefaultQuery__{key}={value}");
        }
        for (var i = 0; i < edge.VoiceQueryKeys.Count; i++)
            lines.Add($"Relay__AllowedQueryKeys__{i}={edge.VoiceQueryKeys[i]}");
        lines.Add($"Relay__TwilioAccountSid={edge.TwilioAccountSid}");
        return lines;
    }
}
