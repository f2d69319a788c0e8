namespace VoiceEdge.Relay.Relaying;

/// <summary>
/// The client's Sec-WebSocket-Protocol list, checked before the relay offers it upstream: RFC 6455 section 4.1
/// requires non-empty tokens (RFC 2616: visible ASCII without separators), all distinct. .NET's client refuses
/// anything else with an exception, so a list that breaks the rule is refused with 400 before the upgrade.
/// </summary>
public static class Subprotocols
{
    private const string Separators = "()<>@,;:\\\"/[]?={} \t";

    public static bool AreValid(IList<string> requested)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // the .NET client compares case-insensitively
        foreach (var protocol in requested)
        {
            if (protocol.Length == 0 || !seen.Add(protocol)) return false;
            foreach (var c in protocol)
                if (c is < '!' or > '~' || Separators.Contains(c, StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
