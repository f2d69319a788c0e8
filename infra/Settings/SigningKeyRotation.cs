namespace VoiceEdge.Infra.Settings;

/// <summary>
/// The steps of rotating <c>relaySigningKey</c> (docs/operations.md "Rotating the signing key"). A deploy updates the
/// Worker and the relay in no set order, so the relay accepts an extra key during a rotation: first the new one (before
/// the Worker signs with it), then the old one (while the Worker may still sign with it).
/// </summary>
public enum SigningKeyRotation
{
    None,
    /// <summary>Step 1: <c>relaySigningKeyNext</c> reaches the relay as <c>Relay__NextSigningKey</c>.</summary>
    AcceptingNext,
    /// <summary>Step 2: <c>relaySigningKeyPrevious</c> reaches the relay as <c>Relay__PreviousSigningKey</c>.</summary>
    AcceptingPrevious,
}
