using System.Text.RegularExpressions;

namespace VoiceEdge.Infra.Settings;

/// <summary>The shapes stack settings are checked against (see <see cref="ConfigKeys"/> for which key uses which).</summary>
internal static partial class ConfigPatterns
{
    [GeneratedRegex("^[0-9a-f]{32}$")] internal static partial Regex HexId();
    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase)] internal static partial Regex Domain();
    [GeneratedRegex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", RegexOptions.IgnoreCase)] internal static partial Regex Record();
    [GeneratedRegex("^(/[A-Za-z0-9_-]+)+$")] internal static partial Regex RoutePrefix();
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")] internal static partial Regex WorkerName();
    [GeneratedRegex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$")] internal static partial Regex DnsLabel();
    [GeneratedRegex("^[a-z][a-z0-9]{2,30}$")] internal static partial Regex AzureLocation();
    [GeneratedRegex("^Standard_[A-Za-z0-9_]+$")] internal static partial Regex VmSize();
    [GeneratedRegex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$")] internal static partial Regex SshPublicKey();
    [GeneratedRegex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$")] internal static partial Regex Email();
    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")] internal static partial Regex Username();
    /// <summary>Twilio account SIDs: "AC" and 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid).</summary>
    [GeneratedRegex("^AC[0-9a-f]{32}$")] internal static partial Regex TwilioAccountSid();
    /// <summary>A backend query key: also a segment of the relay's environment name (Relay__Backends__0__DefaultQuery__key), so no `__`.</summary>
    [GeneratedRegex("^[A-Za-z](_?[A-Za-z0-9])*$")] internal static partial Regex QueryKey();
}
