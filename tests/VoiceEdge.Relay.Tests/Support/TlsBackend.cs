using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.Relay.Tests.Support;

/// <summary>
/// A wss:// voice backend on loopback Kestrel with a self-signed certificate, as PersonaPlex runs with <c>--ssl</c>:
/// accepts /api/chat, sends <c>first</c> (a text "hello" or PersonaPlex's binary 0x00 handshake), then holds the call
/// until the relay closes it.
/// </summary>
public static class TlsBackend
{
    /// <summary>A self-signed ECDSA certificate for 127.0.0.1 (two calls with the same name give different certificates).</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public static async Task<(WebApplication App, Uri Url)> StartAsync(X509Certificate2 cert, byte[] first, WebSocketMessageType firstType)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(cert)));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/api/chat", async (HttpContext context) =>
        {
            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[65536];
            try
            {
                await ws.SendAsync(first, firstType, true, CancellationToken.None);
                while ((await ws.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close) { }
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
            catch (WebSocketException) { }
        });
        await app.StartAsync();
        return (app, new Uri($"wss://127.0.0.1:{new Uri(app.Urls.First()).Port}/api/chat"));
    }
}
