using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceEdge.Relay.Relaying.Pool;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// wss:// backends: a self-signed certificate (made here, as PersonaPlex's <c>--ssl</c> commonly is) is refused
/// under normal validation, accepted only with its SHA-256 pin, and refused with any other pin.
/// </summary>
public class BackendTlsTests
{
    private static async Task<(WebSocketCloseStatus? Code, string? Reason, string? Hello)> CallAsync(Uri backend, string? pin)
    {
        var settings = new List<(string, string)> { ("Backends:0:Url", backend.ToString()), ("Backends:0:DefaultQuery:text_prompt", "Hi") };
        if (pin is not null) settings.Add(("Backends:0:CertificateSha256", pin));
        await using var relay = await RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null, [.. settings]);
        using var ws = (await relay.ConnectAsync(relay.ValidToken())).Socket!;
        var (type, data) = await ws.ReceiveMessageAsync();
        if (type == WebSocketMessageType.Close) return (ws.CloseStatus, ws.CloseStatusDescription, null);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        return (null, null, System.Text.Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task A_self_signed_backend_is_refused_without_a_pin_accepted_with_its_pin_and_refused_with_another()
    {
        using var cert = TlsBackend.SelfSigned("personaplex.test");
        using var other = TlsBackend.SelfSigned("personaplex.test");
        var (app, url) = await TlsBackend.StartAsync(cert, "hello"u8.ToArray(), WebSocketMessageType.Text);
        await using (app)
        {
            var refused = (WebSocketCloseStatus.InternalServerError, "voice backend unavailable", (string?)null);
            Assert.Equal(refused, await CallAsync(url, null));
            Assert.Equal(((WebSocketCloseStatus?)null, (string?)null, "hello"), await CallAsync(url, Convert.ToHexString(SHA256.HashData(cert.RawData))));
            Assert.Equal(((WebSocketCloseStatus?)null, (string?)null, "hello"), await CallAsync(url, Convert.ToBase64String(SHA256.HashData(cert.RawData))));
            Assert.Equal(refused, await CallAsync(url, Convert.ToHexString(SHA256.HashData(other.RawData))));
        }
    }

    [Fact]
    public async Task A_malformed_pin_stops_the_relay_naming_the_setting()
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RelayUnderTest.StartAsync(RelayUnderTest.DeadUpstream(), null,
            ("Backends:0:Url", "wss://127.0.0.1:1/api/chat"), ("Backends:0:CertificateSha256", "not-a-sha256")));
        Assert.Contains(e.Failures, f => f.Contains("Relay:Backends:0:CertificateSha256 must be the SHA-256 of the DER certificate", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AB:CD", false)]
    [InlineData("zz", false)]
    [InlineData("", false)]
    public void A_pin_that_is_no_SHA256_does_not_parse(string text, bool parses) =>
        Assert.Equal(parses, CertificatePin.TryParse(text, out _));

    [Fact]
    public void A_pin_parses_as_hex_with_colons_or_base64_and_matches_only_its_certificate()
    {
        using var cert = TlsBackend.SelfSigned("a");
        using var other = TlsBackend.SelfSigned("a");
        var hash = SHA256.HashData(cert.RawData);
        foreach (var text in new[] { Convert.ToHexString(hash), string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture))), Convert.ToBase64String(hash) })
        {
            Assert.True(CertificatePin.TryParse(text, out var pin), text);
            Assert.True(pin!.Matches(cert));
            Assert.False(pin.Matches(other));
        }
    }
}
