using System.Text;

namespace AdminPortal.Core.Transport;

internal enum JsonTokKind
{
    String,
    Scalar,
    Punct,
}

/// <summary>A lexical token of JSON text: its span in the text and, for strings, the decoded content.</summary>
internal readonly record struct JsonTok(JsonTokKind Kind, int Start, int Length, string? Decoded)
{
    public char Punct(string text) => Kind == JsonTokKind.Punct ? text[Start] : '\0';
}

/// <summary>
/// A forgiving JSON tokenizer that reports exact spans, so callers can rewrite one value in place and
/// leave every other byte of the text (indentation, \r\n, escapes) untouched.
/// </summary>
internal static class JsonLexer
{
    public static List<JsonTok> Tokenize(string text)
    {
        var tokens = new List<JsonTok>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == '\uFEFF')
            {
                i++;
            }
            else if (c == '"')
            {
                var j = i + 1;
                while (j < text.Length && text[j] != '"')
                    j += text[j] == '\\' ? 2 : 1;
                var end = Math.Min(j, text.Length);
                tokens.Add(new JsonTok(JsonTokKind.String, i, Math.Min(end + 1, text.Length) - i, Decode(text, i + 1, end)));
                i = end + 1;
            }
            else if (c is '{' or '}' or '[' or ']' or ':' or ',')
            {
                tokens.Add(new JsonTok(JsonTokKind.Punct, i, 1, null));
                i++;
            }
            else
            {
                var j = i;
                while (j < text.Length && !char.IsWhiteSpace(text[j]) && text[j] is not ('{' or '}' or '[' or ']' or ':' or ',' or '"'))
                    j++;
                tokens.Add(new JsonTok(JsonTokKind.Scalar, i, j - i, null));
                i = j;
            }
        }

        return tokens;
    }

    private static string Decode(string text, int start, int end)
    {
        var sb = new StringBuilder(end - start);
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (c != '\\' || i + 1 >= end)
            {
                sb.Append(c);
                continue;
            }

            var e = text[++i];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u' when i + 4 < end && ushort.TryParse(text.AsSpan(i + 1, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                    sb.Append((char)code);
                    i += 4;
                    break;
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Applies non-overlapping span replacements.</summary>
    public static string Apply(string text, List<(int Start, int Length, string Replacement)> replacements)
    {
        if (replacements.Count == 0)
            return text;
        replacements.Sort((a, b) => a.Start.CompareTo(b.Start));
        var sb = new StringBuilder(text.Length + 64);
        var pos = 0;
        foreach (var (start, length, replacement) in replacements)
        {
            sb.Append(text, pos, start - pos).Append(replacement);
            pos = start + length;
        }

        return sb.Append(text, pos, text.Length - pos).ToString();
    }

    /// <summary>JSON string literal content (no quotes) for <paramref name="value"/>.</summary>
    public static string EscapeContent(string value)
    {
        var quoted = Newtonsoft.Json.JsonConvert.ToString(value);
        return quoted[1..^1];
    }
}
