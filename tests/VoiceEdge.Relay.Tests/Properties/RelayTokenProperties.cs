using CsCheck;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Tests.Support;
using static VoiceEdge.Relay.Tests.Support.TokenFixture;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// Relay-token verification on any input: it never throws, a refusal is always one of the documented statuses
/// (401 missing, 403 with a token-* reason), and only the exact token the key minted passes.
/// </summary>
[Trait("Category", "Property")]
public class RelayTokenProperties
{
    private static readonly Gen<string> ValidToken =
        Gen.Select(AcceptedAhead, Session, (ahead, session) => Tokens.Mint(Now.ToUnixTimeSeconds() + ahead, session));

    [Fact]
    public void Arbitrary_text_is_refused_with_a_documented_status_and_never_throws() =>
        AssertNonePass(Generators.AnyText, ciCases: 2000);

    [Fact]
    public void Tokens_shaped_right_with_arbitrary_parts_never_pass_without_the_key() =>
        AssertNonePass(
            Gen.Select(Gen.String[Gen.Char["0123456789"], 0, 14], Generators.AnyText, Gen.String[Gen.Char["AQgw_-09azAZ"], 40, 46],
                (exp, session, sig) => $"v1.{exp}.{session}.{sig}"), ciCases: 2000);

    [Fact]
    public void A_minted_token_passes_with_its_session() =>
        PropertyRun.ForAll(Gen.Select(AcceptedAhead, Session), t =>
        {
            var (ahead, session) = t;
            var check = Tokens.Check(Tokens.Mint(Now.ToUnixTimeSeconds() + ahead, session), Now);
            Assert.Equal(TokenStatus.Valid, check.Status);
            Assert.Equal(session, check.Session);
        }, ciCases: 500);

    [Fact]
    public void Any_edit_of_a_valid_token_is_refused() =>
        AssertEveryEditRefused(ValidToken, ciCases: 3000);
}
