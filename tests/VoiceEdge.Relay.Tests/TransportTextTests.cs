using VoiceEdge.Relay.Transport;

namespace VoiceEdge.Relay.Tests;

/// <summary>Errno values in the transport's log and exception texts are named, not bare numbers (issue 26).</summary>
public class TransportTextTests
{
    [Theory]
    [InlineData(24, "EMFILE")]
    [InlineData(23, "ENFILE")]
    [InlineData(105, "ENOBUFS")]
    [InlineData(111, "ECONNREFUSED")]
    public void A_failure_names_its_errno(int errno, string name) =>
        Assert.StartsWith($"accept4 failed: {name} (errno {errno}, ", LinuxSockets.Failure("accept4", errno).Message, StringComparison.Ordinal);
}
