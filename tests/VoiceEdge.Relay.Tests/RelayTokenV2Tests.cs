using System.Text;
using Microsoft.AspNetCore.Http;
using System.Text.Json;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;
using VoiceEdge.Relay.Relaying;

namespace VoiceEdge.Relay.Tests;

/// <summary>Relay token v2 (docs/architecture.md "Worker to relay"): the shared vector, tampering, strict parsing, the v1 switch.</summary>
public class RelayTokenV2Tests
{
    private static readonly RelayToken Tokens = TokenFixture.Tokens;
    private static readonly DateTimeOffset Now = TokenFixture.Now;
    private static readonly TimeSpan Minute = TokenFixture.Lifetime;
    private static readonly TimeSpan Skew = TokenFixture.Skew;
    private static long Soon => Now.ToUnixTimeSeconds() + 30;

    private static string B64(string text) => RelayToken.Base64Url(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Mints_and_accepts_the_shared_v2_vector_with_its_user_and_ip()
    {
        var root = TokenFixture.Vector();
        var v = root.GetProperty("v2");
        var tokens = new RelayToken(root.GetProperty("signingKey").GetString()!, Minute, Skew);
        var exp = v.GetProperty("exp").GetInt64();
        var header = v.GetProperty("header").GetString()!;
        Assert.Equal(header, tokens.MintV2(exp, v.GetProperty("session").GetString()!, v.GetProperty("sub").GetString()!, v.GetProperty("clientIp").GetString()));
        Assert.StartsWith(v.GetProperty("signedPayload").GetString()! + ".", header, StringComparison.Ordinal);
        var check = tokens.Check(header, DateTimeOffset.FromUnixTimeSeconds(exp - 30));
        Assert.Equal((TokenStatus.Valid, 2), (check.Status, check.Version));
        Assert.Equal(v.GetProperty("session").GetString(), check.Session);
        Assert.Equal(v.GetProperty("sub").GetString(), check.User);
        Assert.Equal(v.GetProperty("clientIp").GetString(), check.ClientIp);
    }

    [Fact]
    public void Tampering_with_the_sub_or_the_ip_fails_the_signature()
    {
        var token = Tokens.MintV2(Soon, "s", "alice", "203.0.113.7");
        var parts = token.Split('.');
        string With(int index, string value) => string.Join('.', parts.Select((p, i) => i == index ? value : p));
        Assert.Equal(TokenStatus.Valid, Tokens.Check(token, Now).Status);
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(With(3, B64("mallory")), Now).Status);
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(With(4, B64("198.51.100.1")), Now).Status);
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(With(4, ""), Now).Status);
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(With(0, "v1").Replace($".{parts[3]}.{parts[4]}", "", StringComparison.Ordinal), Now).Status);
    }

    [Fact]
    public void A_token_without_client_ip_carries_none()
    {
        var check = Tokens.Check(Tokens.MintV2(Soon, "s", "bob", null), Now);
        Assert.Equal(TokenStatus.Valid, check.Status);
        Assert.Equal("bob", check.User);
        Assert.Null(check.ClientIp);
    }

    [Fact]
    public void Any_sub_up_to_256_bytes_round_trips_and_longer_is_refused_at_both_ends()
    {
        foreach (var sub in new[] { "a", "auth0|123", "dots.and spaces", "line\r\nbreak", "é€😀", new string('x', 256), "...." })
            Assert.Equal(sub, Tokens.Check(Tokens.MintV2(Soon, "s", sub, "::1"), Now).User);
        Assert.Throws<ArgumentException>(() => Tokens.MintV2(Soon, "s", new string('x', 257), null));
        Assert.Throws<ArgumentException>(() => Tokens.MintV2(Soon, "s", "", null));
        Assert.Throws<ArgumentException>(() => Tokens.MintV2(Soon, "s", "u", "1.2.3.4\r\nX-Evil: 1"));
    }

    [Fact]
    public void V1_is_accepted_while_allowed_and_refused_as_retired_when_turned_off()
    {
        var v1 = Tokens.Mint(Soon, "s");
        Assert.Equal((TokenStatus.Valid, 1), (Tokens.Check(v1, Now).Status, Tokens.Check(v1, Now).Version));
        Assert.Null(Tokens.Check(v1, Now).User);
        var v2Only = new RelayToken(TokenFixture.Key, Minute, Skew, acceptV1: false);
        Assert.Equal(TokenStatus.Retired, v2Only.Check(v1, Now).Status);
        Assert.Equal((StatusCodes.Status403Forbidden, "token-retired"), RelayEndpoints.TokenRefusal(TokenStatus.Retired) is { } r ? (r.Status, r.Reason) : default);
        Assert.Equal(TokenStatus.BadSignature, v2Only.Check(v1[..^2] + "AA", Now).Status);
        Assert.Equal(TokenStatus.Valid, v2Only.Check(v2Only.MintV2(Soon, "s", "u", null), Now).Status);
    }

    [Theory]
    [InlineData("exp with a leading zero", "v2.0{exp}.s.{sub}.{ip}")]
    [InlineData("sub not canonical (unused bits set)", "v2.{exp}.s.YR.{ip}")]
    [InlineData("sub of one char (no byte)", "v2.{exp}.s.Y.{ip}")]
    [InlineData("sub padded", "v2.{exp}.s.YQ==.{ip}")]
    [InlineData("sub not UTF-8", "v2.{exp}.s._w.{ip}")]
    [InlineData("sub missing", "v2.{exp}.s..{ip}")]
    [InlineData("ip not an address", "v2.{exp}.s.{sub}.bm9wZQ")]
    [InlineData("ip with a zone", "v2.{exp}.s.{sub}.ZmU4MDo6MSVldGgw")]
    [InlineData("ip with a port", "v2.{exp}.s.{sub}.MS4yLjMuNDo4MA")]
    [InlineData("a part too many", "v2.{exp}.s.{sub}.{ip}.x")]
    [InlineData("a part too few", "v2.{exp}.s.{sub}")]
    [InlineData("v3", "v3.{exp}.s.{sub}.{ip}")]
    public void Non_canonical_or_out_of_contract_v2_is_malformed_even_when_signed(string what, string shape)
    {
        // Signed with the right key, so only the parser can refuse it.
        var payload = shape.Replace("{exp}", Soon.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{sub}", B64("u"), StringComparison.Ordinal).Replace("{ip}", B64("127.0.0.1"), StringComparison.Ordinal);
        var mac = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(TokenFixture.Key), Encoding.UTF8.GetBytes(payload));
        Assert.True(TokenStatus.Malformed == Tokens.Check($"{payload}.{RelayToken.Base64Url(mac)}", Now).Status, what);
    }
}
