using System.Text.Json;
using CsCheck;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Hosting;
using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Tests.Properties;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// What the relay-token tests share: one key, the window the relay checks with by default (RelayOptions'
/// TokenMaxLifetimeSeconds and ClockSkewSeconds), a fixed clock, and tests/vectors/relay-token.json.
/// </summary>
public static class TokenFixture
{
    public const string Key = "key-one-key-one-key-one";

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(new RelayOptions().TokenMaxLifetimeSeconds);

    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(new RelayOptions().ClockSkewSeconds);

    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    public static readonly RelayToken Tokens = new(Key, Lifetime, Skew);

    /// <summary>Every exp, as seconds from <see cref="Now"/>, the check accepts: from the skew behind to the lifetime plus the skew ahead.</summary>
    public static readonly Gen<long> AcceptedAhead = Gen.Long[-(long)Skew.TotalSeconds, (long)(Lifetime + Skew).TotalSeconds];

    public static readonly Gen<string> Session = Gen.String[Gen.Char["ABCXYZabcxyz0189_-"], 1, 64];

    /// <summary>The refusal reasons relay/README.md documents for a token (token-retired once v1 is turned off).</summary>
    public static readonly IReadOnlySet<string> DocumentedReasons = new HashSet<string>
        { "token-missing", "token-badsignature", "token-expired", "token-toofarahead", "token-malformed", "token-retired" };

    /// <summary>A refusal is 401 when the token is missing, else 403, with a documented reason.</summary>
    public static void AssertDocumentedRefusal(TokenCheck check)
    {
        var refusal = RelayEndpoints.TokenRefusal(check.Status);
        Assert.NotNull(refusal);
        Assert.Equal(check.Status == TokenStatus.Missing ? 401 : 403, refusal.Value.Status);
        Assert.Contains(refusal.Value.Reason, DocumentedReasons);
    }

    /// <summary>No text from <paramref name="texts"/> passes the check without the key; each is refused as documented.</summary>
    public static void AssertNonePass(Gen<string> texts, long ciCases) =>
        PropertyRun.ForAll(texts, header =>
        {
            var check = Tokens.Check(header, Now);
            Assert.False(check.IsValid);
            AssertDocumentedRefusal(check);
        }, ciCases);

    /// <summary>Every edit (Generators.Edit) of a token from <paramref name="validTokens"/> is refused as documented.</summary>
    public static void AssertEveryEditRefused(Gen<string> validTokens, long ciCases) =>
        PropertyRun.ForAll(validTokens.SelectMany(token => Generators.Edit(token).Select(edited => (token, edited))), t =>
        {
            var (token, edited) = t;
            if (edited == token) return;
            var check = Tokens.Check(edited, Now);
            Assert.False(check.IsValid, $"edited token accepted: {edited}");
            AssertDocumentedRefusal(check);
        }, ciCases);

    /// <summary>tests/vectors/relay-token.json, found from the test binary's folder up.</summary>
    public static JsonElement Vector()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "vectors", "relay-token.json");
            if (File.Exists(path)) return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        }
        throw new FileNotFoundException("tests/vectors/relay-token.json");
    }
}
