namespace VoiceEdge.Relay.Hosting;

/// <summary>
/// A listening socket this process inherited instead of binding one: <c>Relay:ListenFd</c>, or the first socket systemd
/// passes by socket activation (sd_listen_fds(3): <c>LISTEN_PID</c> is this process, <c>LISTEN_FDS</c> at least 1, the
/// sockets from descriptor 3). Two relays on one such socket share its accept queue: while a new build starts beside
/// the old one, no connection waits in a queue that closes with a process (as two SO_REUSEPORT sockets would).
/// </summary>
public static class InheritedListener
{
    /// <summary>SD_LISTEN_FDS_START.</summary>
    public const int SystemdFirstFd = 3;

    /// <summary>The descriptor to serve on, or null to bind <c>--urls</c> as usual.</summary>
    public static int? Find(IConfiguration configuration)
    {
        var configured = configuration.GetSection(RelayOptions.Section).GetValue<int?>(nameof(RelayOptions.ListenFd));
        if (configured is not null) return configured;
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        return int.TryParse(pid, out var p) && p == Environment.ProcessId && int.TryParse(fds, out var n) && n >= 1 ? SystemdFirstFd : null;
    }
}
