using System.Net;
using System.Text.Json;

namespace VoiceEdge.Infra.Preflight;

/// <summary>
/// One API answer: the HTTP status and JSON body, or why there was none (network error, timeout, not JSON).
/// </summary>
public sealed record ApiReply(HttpStatusCode? Status, JsonElement? Body, string? Failure)
{
    public bool Reached => Status is not null;
    public bool Is(HttpStatusCode status) => Status == status;
    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300 && Body is not null;

    /// <summary>The body's <c>result</c> (Cloudflare's envelope), when present and not null.</summary>
    public JsonElement? Result =>
        Body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("result", out var r) && r.ValueKind != JsonValueKind.Null ? r : null;

    /// <summary>A short account of a failed call, for the table: status plus the API's own error codes and messages.</summary>
    public string Describe()
    {
        if (Status is null) return Failure ?? "no answer";
        var text = $"HTTP {(int)Status.Value}";
        var errors = ErrorMessages();
        return errors.Count > 0 ? $"{text} ({string.Join("; ", errors)})" : text;
    }

    /// <summary>
    /// Cloudflare: <c>errors: [{code, message}]</c> (developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/);
    /// Azure Resource Manager: <c>error: {code, message}</c>, the "common error response for all Azure Resource
    /// Manager APIs" (learn.microsoft.com/en-us/dotnet/api/microsoft.azure.management.resources.models.errorresponse).
    /// </summary>
    public IReadOnlyList<string> ErrorMessages()
    {
        var list = new List<string>();
        if (Body is not { ValueKind: JsonValueKind.Object } body) return list;
        if (body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in errors.EnumerateArray().Take(3))
                list.Add($"code {Text(e, "code")}: {Text(e, "message")}");
        }
        if (body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            list.Add($"{Text(error, "code")}: {Text(error, "message")}");
        return list;
    }

    private static string Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? (v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText())
            : "";
}
