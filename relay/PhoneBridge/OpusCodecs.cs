using System.Reflection;
using System.Runtime.InteropServices;
using Concentus;
using Concentus.Enums;

namespace VoiceEdge.Relay.PhoneBridge;

/// <summary>Which Opus implementation a codec is: the native libopus through P/Invoke, or Concentus's managed port.</summary>
public enum OpusImplementation
{
    Native,
    Managed,
}

/// <summary>
/// Creates Opus encoders and decoders through Concentus's <see cref="OpusCodecFactory"/>, which uses the
/// native libopus when it can load it and the managed port otherwise, and says which one it gave.
/// <para>
/// Concentus binds its P/Invoke calls to the library name "opus"; the resolver registered here lets that name
/// load <c>libopus.so</c> or, failing that, <c>libopus.so.0</c> (what Debian's <c>libopus0</c> ships). The
/// factory's own availability probe, however, dlopens exactly <c>libopus.so</c> (Concentus 2.2.2,
/// CSharp/Concentus/Native/NativePlatformUtils.cs, ProbeLibrary), which Debian ships only in
/// <c>libopus-dev</c>; without it the factory picks the managed port, and <see cref="Probe"/> says so.
/// </para>
/// </summary>
public static class OpusCodecs
{
    /// <summary>PersonaPlex's rate (its Mimi codec runs at 24 kHz): what the bridge encodes.</summary>
    public const int SampleRate = 24_000;

    /// <summary>
    /// The native libopus decodes straight to the caller's 8 kHz (no resampler). Concentus 2.2.2's managed
    /// decoder returns silence for SILK (voice) packets of a 24 kHz encoder at every output rate but 48 kHz
    /// (8, 12, 16 and 24 kHz measured; found by the native/managed cross tests), so it decodes at 48 kHz and
    /// the Speex resampler takes that to 8 kHz.
    /// </summary>
    public const int NativeDecodeRate = 8_000;

    /// <inheritdoc cref="NativeDecodeRate"/>
    public const int ManagedDecodeRate = 48_000;
    public const int Channels = 1;
    public const int FrameSamples = SampleRate / 50;
    public const int Bitrate = 24_000;
    public const int Complexity = 5;

    /// <summary>Names tried, in order, when Concentus asks for "opus".</summary>
    public static readonly IReadOnlyList<string> NativeNames = ["libopus.so", "libopus.so.0", "libopus.0.dylib", "opus.dll"];

    private static readonly Lock Gate = new();

    static OpusCodecs() => NativeLibrary.SetDllImportResolver(typeof(OpusCodecFactory).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "opus") return IntPtr.Zero;
        foreach (var candidate in NativeNames)
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        return IntPtr.Zero;
    }

    /// <summary>What an encoder made now would be, and why; for the start-up log line.</summary>
    public static OpusProbe Probe()
    {
        var encoder = CreateEncoder(preferNative: true, out var messages);
        var implementation = ImplementationOf(encoder);
        var version = encoder.GetVersionString();
        (encoder as IDisposable)?.Dispose();
        string? loadable = null;
        foreach (var candidate in NativeNames)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle)) continue;
            NativeLibrary.Free(handle);
            loadable = candidate;
            break;
        }
        var why = implementation == OpusImplementation.Native ? "libopus loaded"
            : loadable is null ? "no libopus found (install libopus0 and libopus-dev)"
            : $"{loadable} is present but Concentus probes libopus.so (install libopus-dev)";
        return new OpusProbe(implementation, version, why, messages);
    }

    public static IOpusEncoder CreateEncoder(bool preferNative = true) => CreateEncoder(preferNative, out _);

    /// <summary>A decoder for the model's audio, at <see cref="NativeDecodeRate"/> or <see cref="ManagedDecodeRate"/>.</summary>
    public static IOpusDecoder CreateDecoder(bool preferNative = true)
    {
        lock (Gate)
        {
            OpusCodecFactory.AttemptToUseNativeLibrary = preferNative;
            try
            {
                var decoder = OpusCodecFactory.CreateDecoder(NativeDecodeRate, Channels);
                if (ImplementationOf(decoder) == OpusImplementation.Native) return decoder;
                return OpusCodecFactory.CreateDecoder(ManagedDecodeRate, Channels);
            }
            finally
            {
                OpusCodecFactory.AttemptToUseNativeLibrary = true;
            }
        }
    }

    private static IOpusEncoder CreateEncoder(bool preferNative, out string messages)
    {
        using var log = new StringWriter();
        IOpusEncoder encoder;
        // The factory's switch is process-wide; hold it only while creating.
        lock (Gate)
        {
            OpusCodecFactory.AttemptToUseNativeLibrary = preferNative;
            try
            {
                encoder = OpusCodecFactory.CreateEncoder(SampleRate, Channels, OpusApplication.OPUS_APPLICATION_VOIP, log);
            }
            finally
            {
                OpusCodecFactory.AttemptToUseNativeLibrary = true;
            }
        }
        encoder.Bitrate = Bitrate;
        encoder.Complexity = Complexity;
        encoder.SignalType = OpusSignal.OPUS_SIGNAL_VOICE;
        // Phone audio (G.711) carries nothing above 4 kHz: narrowband loses nothing and costs less than half the
        // CPU of letting the encoder consider wider bands (measured: 65 against 158 us per 20 ms frame, native).
        encoder.MaxBandwidth = OpusBandwidth.OPUS_BANDWIDTH_NARROWBAND;
        messages = log.ToString();
        return encoder;
    }

    public static OpusImplementation ImplementationOf(object codec) =>
        codec.GetType().Namespace == "Concentus.Native" ? OpusImplementation.Native : OpusImplementation.Managed;
}

/// <summary>The Opus implementation calls get, its version, why, and the factory's probe messages.</summary>
public sealed record OpusProbe(OpusImplementation Implementation, string Version, string Why, string ProbeMessages);
