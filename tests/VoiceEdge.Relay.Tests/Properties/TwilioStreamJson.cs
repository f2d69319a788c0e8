using System.Globalization;
using System.Text.Json;
using CsCheck;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// Twilio Media Streams messages (connected, start, media, mark, stop; https://www.twilio.com/docs/voice/media-streams/websocket-messages)
/// of any shape: the documented fields with values of any JSON type, unknown events, nulls, arrays, deep
/// nesting, and text that is not JSON at all.
/// </summary>
public static class TwilioStreamJson
{
    public static readonly string[] Events = ["connected", "start", "media", "mark", "stop", "dtmf", ""];

    private static readonly Gen<string> JsonString = Generators.AnyText.Select(s => JsonSerializer.Serialize(s));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (2, Gen.Const("null")), (1, Gen.Const("true")), (1, Gen.Const("false")),
        (2, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (3, JsonString));

    /// <summary>Any JSON value up to the given depth.</summary>
    public static Gen<string> Value(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, Value(depth - 1).Array[0, 4].Select(items => $"[{string.Join(',', items)}]")),
            (1, Gen.Select(Gen.OneOf(JsonString, Gen.Const("\"payload\""), Gen.Const("\"track\"")), Value(depth - 1)).Array[0, 4]
                .Select(members => "{" + string.Join(',', members.Select(m => $"{m.Item1}:{m.Item2}")) + "}")));

    /// <summary>A message shaped like one of Twilio's: its event name and the documented keys, each with a value of any shape.</summary>
    public static readonly Gen<string> EventMessage =
        Gen.Select(Gen.OneOf(Events.Select(e => Gen.Const(JsonSerializer.Serialize(e))).Append(Value(1)).ToArray()),
                   Value(3), Value(3), Value(3), Value(2),
            (name, body, sid, sequence, extra) =>
                $$"""{"event":{{name}},"sequenceNumber":{{sequence}},"streamSid":{{sid}},"start":{"callSid":{{extra}},"tracks":{{body}},"customParameters":{{body}}},"media":{"track":{{extra}},"chunk":{{sequence}},"timestamp":{{extra}},"payload":{{body}}},"mark":{"name":{{body}}},"stop":{{body}}}""");

    /// <summary>Nesting far deeper than any parser's default limit (System.Text.Json stops at 64).</summary>
    public static readonly Gen<string> DeepNesting = Gen.Select(Gen.Int[1, 2000], Gen.Bool, (depth, objects) => objects
        ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "null" + new string('}', depth)
        : new string('[', depth) + new string(']', depth));

    /// <summary>Not JSON: truncated messages, bare words, any text.</summary>
    public static readonly Gen<string> NotJson = Gen.Frequency(
        (2, EventMessage.SelectMany(m => Gen.Int[0, Math.Max(0, m.Length - 1)].Select(cut => m[..cut]))),
        (1, Generators.AnyText));

    public static readonly Gen<string> AnyMessage = Gen.Frequency((5, EventMessage), (2, Value(4)), (1, DeepNesting), (2, NotJson));
}
