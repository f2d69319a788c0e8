using System.Net;
using System.Text;
using CsCheck;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Relaying;
using VoiceEdge.Relay.Tests.Support;
using static VoiceEdge.Relay.Tests.Support.TokenFixture;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>
/// Relay token v2 on any input: a minted token passes with exactly its sub and IP, whatever the sub holds; any edit,
/// and any v2-shaped text not minted with the key, is refused with a documented status and never throws.
/// </summary>
[Trait("Category", "Property")]
public class RelayTokenV2Properties
{
    /// <summary>Any sub the Worker can sign: any text (lone surrogates become U+FFFD in UTF-8, as TextEncoder does) of 1-256 bytes.</summary>
    private static readonly Gen<string> Sub = Generators.AnyText
        .Select(s => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)))
        .Where(s => Encoding.UTF8.GetByteCount(s) is > 0 and <= RelayToken.MaxSubBytes);

    private static readonly Gen<string?> Ip = Gen.Frequency(
        (1, Gen.Bool.Select(_ => (string?)null)),
        (2, Gen.Byte.Array[4].Select(b => (string?)new IPAddress(b).ToString())),
        (2, Gen.Byte.Array[16].Select(b => (string?)new IPAddress(b).ToString())));

    private static readonly Gen<(long Ahead, string Session, string Sub, string? Ip)> Parts = Gen.Select(AcceptedAhead, Session, Sub, Ip);

    [Fact]
    public void A_minted_v2_token_passes_with_its_session_sub_and_ip() =>
        PropertyRun.ForAll(Parts, p =>
        {
            var check = Tokens.Check(Tokens.MintV2(Now.ToUnixTimeSeconds() + p.Ahead, p.Session, p.Sub, p.Ip), Now);
            Assert.Equal((TokenStatus.Valid, 2, p.Session, p.Sub, p.Ip), (check.Status, check.Version, check.Session, check.User, check.ClientIp));
        }, ciCases: 500);

    [Fact]
    public void Any_edit_of_a_valid_v2_token_is_refused() =>
        AssertEveryEditRefused(Parts.Select(p => Tokens.MintV2(Now.ToUnixTimeSeconds() + p.Ahead, p.Session, p.Sub, p.Ip)), ciCases: 2000);

    [Fact]
    public void V2_shaped_text_with_arbitrary_parts_never_passes_without_the_key() =>
        AssertNonePass(
            Gen.Select(Gen.String[Gen.Char["0123456789"], 0, 14], Gen.String[Gen.Char["AQgw_-09azAZ"], 0, 350], Gen.String[Gen.Char["AQgw_-09azAZ="], 0, 64], Generators.AnyText,
                (exp, sub, ip, sig) => $"v2.{exp}.s.{sub}.{ip}.{sig}"), ciCases: 2000);

    [Fact]
    public void Canonical_base64url_decoding_accepts_exactly_one_spelling_of_any_bytes() =>
        PropertyRun.ForAll(Gen.Select(Gen.Byte.Array[0, 64], Gen.String[Gen.Char["AQgw_-09azAZ="], 0, 12]), t =>
        {
            var (bytes, text) = t;
            Assert.Equal(bytes, RelayToken.DecodeCanonical(RelayToken.Base64Url(bytes)));
            if (RelayToken.DecodeCanonical(text) is { } decoded) Assert.Equal(text, RelayToken.Base64Url(decoded));
        }, ciCases: 2000);
}
