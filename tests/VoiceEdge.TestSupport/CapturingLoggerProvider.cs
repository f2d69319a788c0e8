using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace VoiceEdge.TestSupport;

/// <summary>
/// Captures every log line (message and exception) into <paramref name="sink"/>; with <paramref name="errors"/>, also
/// every entry at Error or above, or a warning carrying an exception (Kestrel's "unhandled exception" is one), as
/// "&lt;level&gt; &lt;category&gt;: &lt;line&gt;".
/// </summary>
public sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink, ConcurrentQueue<string>? errors = null) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(sink, errors, categoryName);

    public void Dispose() { }

    private sealed class CapturingLogger(ConcurrentQueue<string> sink, ConcurrentQueue<string>? errors, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var line = formatter(state, exception) + (exception is null ? "" : " " + exception);
            sink.Enqueue(line);
            if (errors is not null && (logLevel >= LogLevel.Error || (exception is not null && logLevel >= LogLevel.Warning)))
                errors.Enqueue($"{logLevel} {category}: {line}");
        }
    }
}
