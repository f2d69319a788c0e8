namespace VoiceEdge.Relay.Fleet;

/// <summary>
/// Where the voice webhook places one phone call: the relay whose stream URL the TwiML names (the call token names it
/// too), and the relay whose voice webhook the continuation &lt;Redirect&gt; goes to when that stream ends.
/// </summary>
public sealed record FleetPlacement(FleetRelay Stream, FleetRelay Continuation)
{
    /// <summary>
    /// From the chooser's order (<see cref="FleetChooser.OrderAsync"/>): the stream goes to the first relay that is not
    /// <paramref name="avoid"/> (the relay the call's previous placement streamed to, from the redirect URL), or, when
    /// no other relay can be had, the first one, or this relay itself (it is answering, so it is up). The continuation
    /// goes to another relay than the stream's when there is one, so a call whose relay died is redirected to a live
    /// webhook; else to this relay.
    /// </summary>
    public static FleetPlacement Choose(IReadOnlyList<FleetRelay> order, FleetRelay self, string? avoid)
    {
        var stream = order.FirstOrDefault(r => r.Name != avoid) ?? (order.Count > 0 ? order[0] : self);
        var continuation = order.FirstOrDefault(r => r.Name != stream.Name) ?? self;
        return new(stream, continuation);
    }
}
