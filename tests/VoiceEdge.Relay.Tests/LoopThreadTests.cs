using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using VoiceEdge.Relay.Tests.Support;

namespace VoiceEdge.Relay.Tests;

/// <summary>
/// The epoll transport's loop threads run socket readiness and frame forwarding only: a call's set-up (the TLS
/// handshake to a wss backend and its certificate check), its refusal and its end (the log lines) run on the thread
/// pool, where a slow step stalls one call instead of every socket on the loop.
/// </summary>
public class LoopThreadTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Nothing_the_relay_logs_about_a_call_is_written_on_an_event_loop_thread(bool pinMatches)
    {
        using var cert = TlsBackend.SelfSigned("personaplex.test");
        using var other = TlsBackend.SelfSigned("personaplex.test");
        var (app, url) = await TlsBackend.StartAsync(cert, "hello"u8.ToArray(), WebSocketMessageType.Text);
        await using var _ = app;
        var onLoop = new ConcurrentQueue<string>();
        var pin = Convert.ToHexString(SHA256.HashData((pinMatches ? cert : other).RawData));
        await using (var relay = await RelayUnderTest.StartWithAsync(b => b.Logging.AddProvider(new LoopThreadProbe(onLoop)),
                         RelayUnderTest.DeadUpstream(), null, ("Backends:0:Url", url.ToString()), ("Backends:0:DefaultQuery:text_prompt", "Hi"),
                         ("Backends:0:CertificateSha256", pin), ("Transport", "Epoll")))
        {
            for (var i = 0; i < 3; i++)
            {
                using var ws = (await relay.ConnectAsync(relay.ValidToken($"loop{i}"))).Socket!;
                var (type, _) = await ws.ReceiveMessageAsync();
                Assert.Equal(pinMatches ? WebSocketMessageType.Text : WebSocketMessageType.Close, type);
                if (pinMatches) await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
            for (var i = 0; i < 100 && !relay.Logs.Any(l => l.StartsWith("call ended", StringComparison.Ordinal)); i++) await Task.Delay(20);
            Assert.Contains(relay.Logs, l => l.StartsWith("call ended", StringComparison.Ordinal));
        }
        Assert.True(onLoop.IsEmpty, "logged on an event loop thread:\n" + string.Join("\n", onLoop));
    }

    private sealed class LoopThreadProbe(ConcurrentQueue<string> onLoop) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Probe(onLoop, categoryName);

        public void Dispose() { }

        private sealed class Probe(ConcurrentQueue<string> onLoop, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (Thread.CurrentThread.Name?.StartsWith("voice-edge epoll", StringComparison.Ordinal) == true)
                    onLoop.Enqueue($"{category}: {formatter(state, exception)}");
            }
        }
    }
}
