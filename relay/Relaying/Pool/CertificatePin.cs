using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VoiceEdge.Relay.Relaying.Pool;

/// <summary>
/// A backend's certificate pin: the SHA-256 of its DER certificate, as 64 hex digits (colons allowed, as
/// <c>openssl x509 -noout -fingerprint -sha256</c> prints it) or 44 base64 characters. With a pin, exactly that
/// certificate is accepted (self-signed or not, whatever its name); without one, the normal validation applies.
/// </summary>
public sealed class CertificatePin
{
    private readonly byte[] _hash;

    private CertificatePin(byte[] hash) => _hash = hash;

    public static bool TryParse(string? text, out CertificatePin? pin)
    {
        pin = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var hex = text.Trim().Replace(":", "", StringComparison.Ordinal);
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit))
        {
            pin = new CertificatePin(Convert.FromHexString(hex));
            return true;
        }
        var bytes = new byte[48];
        if (Convert.TryFromBase64String(text.Trim(), bytes, out var n) && n == 32)
        {
            pin = new CertificatePin(bytes[..32]);
            return true;
        }
        return false;
    }

    public bool Matches(X509Certificate certificate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), _hash);

    public override string ToString() => Convert.ToHexString(_hash).ToLower(CultureInfo.InvariantCulture);
}
