using System.Text.Json;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>
/// Twilio Media Streams messages (https://www.twilio.com/docs/voice/media-streams/websocket-messages): JSON
/// text frames with an <c>event</c> of connected, start, media, mark, dtmf or stop. Only what the bridge uses
/// is read; unknown events are tolerated.
/// </summary>
public abstract record TwilioMessage
{
    /// <summary>Parses one message; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static TwilioMessage Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("not a JSON object");
            var kind = String(root, "event", "message");
            return kind switch
            {
                "connected" => new TwilioConnected(),
                "start" => ParseStart(root),
                "media" => ParseMedia(root),
                "stop" => new TwilioStop(),
                _ => new TwilioOther(kind),
            };
        }
    }

    private static TwilioStart ParseStart(JsonElement root)
    {
        var start = Object(root, "start", "start message");
        var format = Object(start, "mediaFormat", "start");
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        if (start.TryGetProperty("customParameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            foreach (var p in parameters.EnumerateObject()) custom[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return new TwilioStart(
            String(start, "streamSid", "start"),
            OptionalString(start, "callSid"),
            OptionalString(start, "accountSid"),
            new TwilioMediaFormat(String(format, "encoding", "mediaFormat"), Int(format, "sampleRate", "mediaFormat"), Int(format, "channels", "mediaFormat")),
            custom);
    }

    private static TwilioMedia ParseMedia(JsonElement root)
    {
        var media = Object(root, "media", "media message");
        var payload = String(media, "payload", "media");
        byte[] audio;
        try
        {
            audio = Convert.FromBase64String(payload);
        }
        catch (FormatException)
        {
            throw new FormatException("media payload is not base64");
        }
        return new TwilioMedia(OptionalString(media, "track"), audio);
    }

    private static JsonElement Object(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw new FormatException($"{where} has no \"{name}\" object");

    private static string String(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"{where} has no \"{name}\" string");

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name, string where)
    {
        if (e.TryGetProperty(name, out var v))
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)) return n;
            // Twilio's documentation shows numbers; accept a numeric string as well.
            if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out n)) return n;
        }
        throw new FormatException($"{where} has no integer \"{name}\"");
    }
}

public sealed record TwilioConnected : TwilioMessage;

public sealed record TwilioStart(string StreamSid, string? CallSid, string? AccountSid, TwilioMediaFormat MediaFormat,
    IReadOnlyDictionary<string, string> CustomParameters) : TwilioMessage;

public sealed record TwilioMedia(string? Track, byte[] Payload) : TwilioMessage;

public sealed record TwilioStop : TwilioMessage;

/// <summary>mark, dtmf and any event the bridge does not act on.</summary>
public sealed record TwilioOther(string Event) : TwilioMessage;

public sealed record TwilioMediaFormat(string Encoding, int SampleRate, int Channels)
{
    /// <summary>What Media Streams send and the bridge takes: G.711 mu-law, 8 kHz, mono.</summary>
    public static readonly TwilioMediaFormat MuLaw8kMono = new("audio/x-mulaw", 8000, 1);

    public override string ToString() => $"{Encoding} {SampleRate} Hz {Channels} ch";
}

/// <summary>Messages the bridge sends to Twilio.</summary>
public static class TwilioOutbound
{
    /// <summary>A <c>media</c> message playing <paramref name="mulaw"/> on the call's stream.</summary>
    public static byte[] Media(string streamSid, ReadOnlySpan<byte> mulaw)
    {
        using var buffer = new MemoryStream(64 + mulaw.Length * 4 / 3);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event"u8, "media"u8);
            json.WriteString("streamSid"u8, streamSid);
            json.WriteStartObject("media"u8);
            json.WriteBase64String("payload"u8, mulaw);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// A <c>mark</c> message: Twilio plays the media sent before it, then answers with a mark of the same name (the
    /// bridge ignores the answer). The bridge uses it to bracket the hold signal (<see cref="HoldSignal"/>).
    /// </summary>
    public static byte[] Mark(string streamSid, string name)
    {
        using var buffer = new MemoryStream(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event"u8, "mark"u8);
            json.WriteString("streamSid"u8, streamSid);
            json.WriteStartObject("mark"u8);
            json.WriteString("name"u8, name);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
