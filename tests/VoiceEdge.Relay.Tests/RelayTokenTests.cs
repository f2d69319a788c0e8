using System.Text.Json;
using VoiceEdge.Relay.Auth;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

public class RelayTokenTests
{
    [Fact]
    public void Mints_and_accepts_the_shared_test_vector_the_worker_uses()
    {
        var v = TokenFixture.Vector();
        var tokens = new RelayToken(v.GetProperty("signingKey").GetString()!, Minute, Skew);
        var exp = v.GetProperty("exp").GetInt64();
        var header = v.GetProperty("header").GetString()!;
        Assert.Equal(header, tokens.Mint(exp, v.GetProperty("session").GetString()!));
        var check = tokens.Check(header, DateTimeOffset.FromUnixTimeSeconds(exp - 30));
        Assert.Equal(TokenStatus.Valid, check.Status);
        Assert.Equal(v.GetProperty("session").GetString(), check.Session);
    }

    private static readonly RelayToken Tokens = TokenFixture.Tokens;
    private static readonly DateTimeOffset Now = TokenFixture.Now;
    private static readonly TimeSpan Minute = TokenFixture.Lifetime;
    private static readonly TimeSpan Skew = TokenFixture.Skew;

    [Fact]
    public void Expired_tokens_are_refused_after_the_skew()
    {
        var skew = (long)Skew.TotalSeconds;
        Assert.Equal(TokenStatus.Valid, Tokens.Check(Tokens.Mint(Now.ToUnixTimeSeconds() - skew, "s"), Now).Status);
        Assert.Equal(TokenStatus.Expired, Tokens.Check(Tokens.Mint(Now.ToUnixTimeSeconds() - skew - 1, "s"), Now).Status);
    }

    [Fact]
    public void Tokens_more_than_a_minute_ahead_are_refused()
    {
        var latest = Now.ToUnixTimeSeconds() + (long)(Minute + Skew).TotalSeconds;
        Assert.Equal(TokenStatus.Valid, Tokens.Check(Tokens.Mint(latest, "s"), Now).Status);
        Assert.Equal(TokenStatus.TooFarAhead, Tokens.Check(Tokens.Mint(latest + 1, "s"), Now).Status);
        Assert.Equal(TokenStatus.TooFarAhead, Tokens.Check(Tokens.Mint(Now.ToUnixTimeSeconds() + 3600, "s"), Now).Status);
    }

    [Fact]
    public void Tampered_tokens_are_refused()
    {
        var token = Tokens.Mint(Now.ToUnixTimeSeconds() + 30, "alice");
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(token.Replace("alice", "mallory", StringComparison.Ordinal), Now).Status);
        var parts = token.Split('.');
        var laterExp = $"v1.{Now.ToUnixTimeSeconds() + 40}.alice.{parts[3]}";
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(laterExp, Now).Status);
        var flipped = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        Assert.NotEqual(TokenStatus.Valid, Tokens.Check(flipped, Now).Status);
    }

    [Fact]
    public void Tokens_signed_with_another_key_are_refused()
    {
        var other = new RelayToken("key-two-key-two-key-two", Minute, Skew);
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(other.Mint(Now.ToUnixTimeSeconds() + 30, "s"), Now).Status);
    }

    [Theory]
    [InlineData(null, TokenStatus.Missing)]
    [InlineData("", TokenStatus.Missing)]
    [InlineData("Bearer abc", TokenStatus.Malformed)]
    [InlineData("v2.1800000030.s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TokenStatus.Malformed)]
    [InlineData("v1.1800000030.bad session.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TokenStatus.Malformed)]
    [InlineData("v1.1800000030.s.short", TokenStatus.Malformed)]
    public void Missing_and_malformed_tokens_are_named(string? header, TokenStatus expected)
    {
        Assert.Equal(expected, Tokens.Check(header, Now).Status);
    }

    // Regressions found by RelayTokenProperties, each named after the input that passed before the fix.

    [Fact]
    public void Valid_token_followed_by_a_newline_is_malformed()
    {
        var token = Tokens.Mint(Now.ToUnixTimeSeconds() + 30, "s");
        Assert.Equal(TokenStatus.Malformed, Tokens.Check(token + "\n", Now).Status);
    }

    [Fact]
    public void Signature_whose_last_char_differs_only_in_unused_bits_is_refused()
    {
        // The 43rd base64url char carries 4 bits of the MAC and 2 unused bits: A..D, E..H, ... decode alike.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var token = Tokens.Mint(Now.ToUnixTimeSeconds() + 30, "s");
        var last = Alphabet.IndexOf(token[^1], StringComparison.Ordinal);
        var sameBits = Alphabet[(last & ~3) | ((last + 1) & 3)];
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(token[..^1] + sameBits, Now).Status);
    }

    [Fact]
    public void Exp_with_a_leading_zero_is_refused()
    {
        var token = Tokens.Mint(Now.ToUnixTimeSeconds() + 30, "s");
        Assert.Equal(TokenStatus.BadSignature, Tokens.Check(token.Replace("v1.", "v1.0", StringComparison.Ordinal), Now).Status);
    }
}
