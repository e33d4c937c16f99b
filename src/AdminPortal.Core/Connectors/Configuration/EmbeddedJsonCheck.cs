using System.Text;
using System.Text.RegularExpressions;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>One string-valued body that should be JSON but does not parse once its templates are filled.</summary>
/// <param name="Attribute">The connection attribute (ConnectionJSON, CreateAccountJSON, …).</param>
/// <param name="Path">JSON path of the string inside the attribute (<c>call[0].httpParams</c>).</param>
/// <param name="Line">1-based line of the string value in the attribute text.</param>
/// <param name="Position">1-based position of the string value on that line.</param>
/// <param name="Detail">The parser's complaint, positioned inside the string (after template substitution).</param>
public sealed record EmbeddedJsonProblem(string Attribute, string Path, int Line, int Position, string Detail)
{
    public string Message => $"{Attribute}: {Path} (line {Line}, position {Position}) is not valid JSON once its ${{...}} are filled: {Detail}";
}

/// <summary>
/// Checks request bodies written as a JSON <em>string</em> (<c>"httpParams": "{\"name\":\"${user.firstname}\"}"</c>,
/// REST-CONNECTOR §6.2). A missing backslash before a quote keeps the outer attribute valid JSON, so the mistake
/// would only surface as a 400 from the target. Every <c>${...}</c> expression and <c>@X@</c> placeholder is replaced
/// by the dummy <c>0</c> (valid both inside quotes and as a bare value) and the result must parse. Strings that do
/// not start like a JSON object or array (form bodies, empty strings) are not checked.
/// </summary>
public static partial class EmbeddedJsonCheck
{
    /// <summary>Keys whose string values are request bodies.</summary>
    private static readonly HashSet<string> BodyKeys = new(StringComparer.OrdinalIgnoreCase) { "httpParams" };

    /// <summary>Problems of one attribute text; empty when the text itself does not parse (that is reported elsewhere).</summary>
    public static IReadOnlyList<EmbeddedJsonProblem> Check(string attributeName, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        JToken root;
        try
        {
            root = JToken.Parse(text, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load });
        }
        catch (JsonReaderException)
        {
            return [];
        }

        return Check(attributeName, root);
    }

    /// <summary>Problems of an attribute already parsed (with line info, so the messages can name the line).</summary>
    public static IReadOnlyList<EmbeddedJsonProblem> Check(string attributeName, JToken root)
    {
        var problems = new List<EmbeddedJsonProblem>();
        if (root is not JContainer container) return [];
        foreach (var property in container.DescendantsAndSelf().OfType<JProperty>())
        {
            if (!BodyKeys.Contains(property.Name) || property.Value is not JValue { Type: JTokenType.String } value) continue;
            var body = (string)value!;
            if (CheckBody(body) is not { } detail) continue;
            var info = (IJsonLineInfo)value;
            problems.Add(new EmbeddedJsonProblem(attributeName, property.Path, info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0, detail));
        }

        return problems;
    }

    /// <summary>Null when <paramref name="body"/> is not meant to be JSON or parses after substitution; else the parse error.</summary>
    public static string? CheckBody(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] is not ('{' or '[')) return null;
        // A body that is one expression from start to end ("${JsonOutput.toJson(...)}") starts with '$', so is skipped above.
        string filled;
        try
        {
            filled = Substitute(body);
        }
        catch (ExpressionException e)
        {
            return $"{e.Detail} (character {e.Offset + 1})";
        }

        try
        {
            using var reader = new JsonTextReader(new StringReader(filled)) { DateParseHandling = DateParseHandling.None };
            JToken.ReadFrom(reader);
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                    return $"unexpected text after the end of the JSON (line {reader.LineNumber}, position {reader.LinePosition})";
            }

            return null;
        }
        catch (JsonReaderException e)
        {
            return $"{e.Message.Split(". Path")[0].TrimEnd('.')} (line {e.LineNumber}, position {e.LinePosition})";
        }
    }

    /// <summary>The body with every <c>${...}</c> and placeholder replaced by <c>0</c>.</summary>
    public static string Substitute(string body)
    {
        var sb = new StringBuilder(body.Length);
        foreach (var segment in TemplateScanner.Split(body))
            sb.Append(segment.IsExpression ? "0" : segment.Text);
        return PlaceholderRegex().Replace(sb.ToString(), "0");
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9@])@@?[A-Z][A-Z0-9_]*@@?")]
    private static partial Regex PlaceholderRegex();
}
