using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>One <c>${...}</c> in a connection attribute that the expression parser refuses.</summary>
/// <param name="Attribute">The connection attribute (ConnectionJSON, CreateAccountJSON, …).</param>
/// <param name="Path">JSON path of the string holding the template (<c>call[0].url</c>).</param>
/// <param name="Line">1-based line of that string value in the attribute text.</param>
/// <param name="Position">1-based position of the string value on that line.</param>
/// <param name="Offset">0-based character of the fault inside the string value.</param>
/// <param name="Detail">The parser's complaint.</param>
public sealed record TemplateSyntaxProblem(string Attribute, string Path, int Line, int Position, int Offset, string Detail)
{
    public string Message => $"{Attribute}: {Path} (line {Line}, position {Position}) has a ${{...}} that does not parse at character {Offset + 1} of the value: {Detail}";
}

/// <summary>
/// Parses every <c>${...}</c> of every string value of an attribute, without evaluating anything, so a broken
/// template (<c>"https://x/${user.firstname"</c>, <c>${user.}</c>) is refused when it is saved rather than found by
/// the first import or provisioning task that reaches it. Property names are not templates and are not checked;
/// nothing is evaluated, so a template that would fail only at run time (unknown variable, null) passes here.
/// </summary>
public static class TemplateSyntaxCheck
{
    /// <summary>Problems of one attribute text; empty when the text itself does not parse (that is reported elsewhere).</summary>
    public static IReadOnlyList<TemplateSyntaxProblem> Check(string attributeName, string? text, EvaluationLimits? limits = null)
    {
        if (string.IsNullOrWhiteSpace(text) || !TemplateScanner.HasExpression(text)) return [];
        JToken root;
        try
        {
            root = JToken.Parse(text, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load });
        }
        catch (JsonReaderException)
        {
            return [];
        }

        return Check(attributeName, root, limits);
    }

    /// <summary>Problems of an attribute already parsed (with line info, so the messages can name the line).</summary>
    public static IReadOnlyList<TemplateSyntaxProblem> Check(string attributeName, JToken root, EvaluationLimits? limits = null)
    {
        var problems = new List<TemplateSyntaxProblem>();
        var values = root is JContainer container ? container.DescendantsAndSelf() : [root];
        foreach (var value in values.OfType<JValue>().Where(v => v.Type == JTokenType.String))
        {
            var template = (string)value!;
            if (CheckTemplate(template, limits) is not { } fault) continue;
            var info = (IJsonLineInfo)value;
            problems.Add(new TemplateSyntaxProblem(attributeName, value.Path, info.HasLineInfo() ? info.LineNumber : 0, info.HasLineInfo() ? info.LinePosition : 0,
                fault.Offset, fault.Detail));
        }

        return problems;
    }

    /// <summary>Null when every expression of <paramref name="template"/> parses; else where (offset in the template) and why.</summary>
    public static (int Offset, string Detail)? CheckTemplate(string template, EvaluationLimits? limits = null)
    {
        if (!TemplateScanner.HasExpression(template)) return null;
        try
        {
            foreach (var segment in TemplateScanner.Split(template).Where(s => s.IsExpression))
            {
                try
                {
                    TemplateRenderer.Validate(segment.Text, limits);
                }
                catch (ExpressionException e)
                {
                    return (segment.Offset + e.Offset, e.Detail);
                }
            }
        }
        catch (ExpressionException e)
        {
            return (e.Offset, e.Detail); // unbalanced braces: Split reports the offset of the '${'
        }

        return null;
    }
}
