using VoiceEdge.Infra.Model;

namespace VoiceEdge.Infra.Resources;

// Command provider 1.2.1 resources.

public sealed record LocalCommand : ResourceArgs
{
    public override string TypeToken => "command:local:Command";
    public required string Create { get; init; }
    public required IReadOnlyList<string> Triggers { get; init; }
    public string? Logging { get; init; }
}

public sealed record SshConnection(string Host, string User, string PrivateKey, int DialErrorLimit, int PerDialTimeout);

public sealed record CopyToRemote(SshConnection Connection, object Source, string RemotePath, IReadOnlyList<string> Triggers) : ResourceArgs
{
    public override string TypeToken => "command:remote:CopyToRemote";
}

public sealed record RemoteCommand : ResourceArgs
{
    public override string TypeToken => "command:remote:Command";
    public required SshConnection Connection { get; init; }
    public required string Create { get; init; }
    public string? Stdin { get; init; }
    public required IReadOnlyList<string> Triggers { get; init; }
    public string? Logging { get; init; }
}
