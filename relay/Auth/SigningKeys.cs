using System.Text;

namespace VoiceEdge.Relay.Auth;

/// <summary>
/// The keys shared with the Worker: <see cref="Current"/> (<c>Relay:SigningKey</c>) signs what the relay mints; a token
/// signed with any key of <see cref="Accepted"/> holds. During a rotation <c>Relay:NextSigningKey</c> (the relay learns
/// the new key before the Worker signs with it) or <c>Relay:PreviousSigningKey</c> (the Worker may still sign with the old
/// key until it is updated) joins the current one, so the Worker and the relay can be updated in either order.
/// </summary>
public sealed class SigningKeys
{
    public SigningKeys(string current, params IEnumerable<string?> alsoAccepted)
    {
        ArgumentException.ThrowIfNullOrEmpty(current);
        Current = Encoding.UTF8.GetBytes(current);
        Accepted = [Current, .. alsoAccepted.Where(k => !string.IsNullOrEmpty(k) && k != current).Distinct().Select(k => Encoding.UTF8.GetBytes(k!))];
    }

    /// <summary>The UTF-8 bytes of the key the relay signs with.</summary>
    public byte[] Current { get; }

    /// <summary>The current key first, then the other accepted keys, each once.</summary>
    public IReadOnlyList<byte[]> Accepted { get; }
}
