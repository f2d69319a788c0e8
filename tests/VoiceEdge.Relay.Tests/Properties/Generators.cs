using CsCheck;

namespace VoiceEdge.Relay.Tests.Properties;

/// <summary>Generators shared by the property tests: hostile text and edits of valid inputs.</summary>
public static class Generators
{
    /// <summary>Chars that break parsers: separators, whitespace, line ends, NUL, padding, non-ASCII, a lone surrogate.</summary>
    public const string Awkward = ".-_=+/ \t\r\n\0%#?&;,:\"'\\{}[]é€\uD800\uFFFF0123456789AZaz";

    public static readonly Gen<char> AwkwardChar = Gen.Frequency((3, Gen.Char[Awkward]), (1, Gen.Char));

    /// <summary>Any string at all, biased towards awkward chars and short lengths.</summary>
    public static readonly Gen<string> AnyText = Gen.Frequency(
        (2, Gen.String),
        (2, AwkwardChar.Array[0, 80].Select(c => new string(c))),
        (1, Gen.String[Gen.Char[' ', '~'], 0, 200]));

    /// <summary>One small edit of a string: insert, delete, replace a char, or add noise at either end.</summary>
    public static Gen<string> Edit(string original) =>
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, Math.Max(0, original.Length - 1)], AwkwardChar, AnyText, (kind, at, c, noise) => kind switch
        {
            0 => original.Insert(at, c.ToString()),
            1 when original.Length > 0 => original.Remove(at, 1),
            2 when original.Length > 0 => original[..at] + c + original[(at + 1)..],
            3 => original + noise,
            4 => noise + original,
            _ => original + c,
        });
}
