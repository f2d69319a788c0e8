using System.Diagnostics;

namespace VoiceEdge.Infra.Tests.Support;

/// <summary>
/// A real HTTPS server on 127.0.0.1 (Python's http.server behind its ssl module) answering <c>GET /health/live</c>
/// with a chosen status and body, its certificate issued by a throwaway CA made with openssl for a chosen name.
/// No system store trusts that CA: a client that validates against the system's CAs refuses it, one given
/// <see cref="CaFile"/> accepts it when the name matches.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoopbackHttps : IDisposable
{
    private const string Server = """
        import http.server, ssl, sys
        status, body = int(sys.argv[3]), sys.argv[4].encode()
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                code = status if self.path == "/health/live" else 404
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """;

    private readonly Process _server;

    public LoopbackHttps(string certificateName, int status = 200, string body = """{"status":"live","build":"test"}""")
    {
        Dir = Directory.CreateTempSubdirectory("voice-edge-https-").FullName;
        Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=voice-edge test CA", "-keyout", At("ca.key"), "-out", CaFile);
        Openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", $"/CN={certificateName}", "-keyout", At("leaf.key"), "-out", At("leaf.csr"));
        File.WriteAllText(At("leaf.ext"), $"subjectAltName=DNS:{certificateName}\n");
        Openssl("x509", "-req", "-in", At("leaf.csr"), "-CA", CaFile, "-CAkey", At("ca.key"), "-CAcreateserial",
            "-days", "1", "-extfile", At("leaf.ext"), "-out", At("leaf.pem"));
        File.WriteAllText(At("server.py"), Server);

        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { At("server.py"), At("leaf.pem"), At("leaf.key"), status.ToString(System.Globalization.CultureInfo.InvariantCulture), body })
            start.ArgumentList.Add(arg);
        _server = Process.Start(start)!;
        var line = _server.StandardOutput.ReadLine();
        if (!int.TryParse(line, out var port))
            Assert.Fail($"the loopback HTTPS server did not start: {line} {_server.StandardError.ReadToEnd()}");
        Port = port;
    }

    public string Dir { get; }
    public int Port { get; }
    public string CaFile => At("ca.pem");

    public string At(string file) => Path.Combine(Dir, file);

    private static void Openssl(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)}: {stderr.Result}");
    }

    public void Dispose()
    {
        if (!_server.HasExited) _server.Kill(entireProcessTree: true);
        _server.WaitForExit(TimeSpan.FromSeconds(10));
        _server.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
