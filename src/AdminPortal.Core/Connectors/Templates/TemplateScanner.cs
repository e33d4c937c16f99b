namespace AdminPortal.Core.Connectors.Templates;

/// <summary>One piece of a template: literal text or a <c>${...}</c> expression.</summary>
public sealed record TemplateSegment(bool IsExpression, string Text, int Offset);

/// <summary>Splits template text into literal text and <c>${...}</c> expressions, matching braces while skipping string literals.</summary>
public static class TemplateScanner
{
    /// <summary>Returns the index of the '}' that closes a '{' whose body starts at <paramref name="start"/>, or -1.</summary>
    public static int FindClosingBrace(string text, int start)
    {
        int depth = 1;
        int i = start;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\'' || c == '"')
            {
                bool triple = i + 2 < text.Length && text[i + 1] == c && text[i + 2] == c;
                i += triple ? 3 : 1;
                while (i < text.Length)
                {
                    if (text[i] == '\\') { i += 2; continue; }
                    if (text[i] == c)
                    {
                        if (!triple) break;
                        if (i + 2 < text.Length && text[i + 1] == c && text[i + 2] == c) { i += 2; break; }
                    }
                    i++;
                }
                if (i >= text.Length) return -1;
                i++;
                continue;
            }
            if (c == '{') depth++;
            else if (c == '}')
            {
                depth--;
                if (depth == 0) return i;
            }
            i++;
        }
        return -1;
    }

    /// <summary>Splits a template. Throws <see cref="ExpressionException"/> (UnbalancedBraces) for an unclosed <c>${</c>.</summary>
    public static IReadOnlyList<TemplateSegment> Split(string template)
    {
        var list = new List<TemplateSegment>();
        int pos = 0;
        while (pos < template.Length)
        {
            int open = template.IndexOf("${", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                list.Add(new TemplateSegment(false, template[pos..], pos));
                break;
            }
            if (open > pos) list.Add(new TemplateSegment(false, template[pos..open], pos));
            int close = FindClosingBrace(template, open + 2);
            if (close < 0)
            {
                throw new ExpressionException(ExpressionErrorKind.UnbalancedBraces,
                    "'${' has no matching '}' (braces inside quoted strings are ignored when matching)", template, open);
            }
            list.Add(new TemplateSegment(true, template[(open + 2)..close], open + 2));
            pos = close + 1;
        }
        return list;
    }

    /// <summary>True when the text contains at least one <c>${</c>.</summary>
    public static bool HasExpression(string? text) => text is not null && text.Contains("${", StringComparison.Ordinal);
}
