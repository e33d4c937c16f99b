using System.Collections.Concurrent;
using System.Text;

namespace AdminPortal.Core.Connectors.Templates;

/// <summary>How the string form of a <c>${...}</c> result is escaped before it is inserted.</summary>
public enum TemplateEscaping
{
    /// <summary>Inserted verbatim (Saviynt's behaviour).</summary>
    None,

    /// <summary>Escaped for the inside of a JSON string literal (quotes, backslashes, control characters).</summary>
    Json,

    /// <summary>Percent-encoded as a URL component.</summary>
    Url,
}

public sealed record TemplateRenderOptions
{
    public static TemplateRenderOptions Default { get; } = new();
    public static TemplateRenderOptions Json { get; } = new() { Escaping = TemplateEscaping.Json };

    public TemplateEscaping Escaping { get; init; } = TemplateEscaping.None;
    public EvaluationLimits Limits { get; init; } = EvaluationLimits.Default;

    /// <summary>When true (default) a null result renders as the empty string; otherwise as "null".</summary>
    public bool NullAsEmpty { get; init; } = true;
}

/// <summary>Renders templates containing <c>${...}</c> expressions and evaluates single expressions.</summary>
public static class TemplateRenderer
{
    private static readonly ConcurrentDictionary<string, IReadOnlyList<Stmt>> Cache = new(StringComparer.Ordinal);
    private const int MaxCacheEntries = 4096;

    /// <summary>Parses an expression (the text between <c>${</c> and <c>}</c>) and reports syntax errors.</summary>
    public static void Validate(string expression, EvaluationLimits? limits = null) => Parse(expression, limits ?? EvaluationLimits.Default);

    /// <summary>Evaluates one expression (without the surrounding <c>${}</c>) and returns its value
    /// (string, long, double, bool, null, list, map or JToken).</summary>
    public static object? Evaluate(string expression, IBindingContext bindings, EvaluationLimits? limits = null)
    {
        limits ??= EvaluationLimits.Default;
        var program = Parse(expression, limits);
        return new Interpreter(expression, limits).Run(program, bindings);
    }

    /// <summary>Renders a template. Literal text is kept, each <c>${...}</c> is replaced by the string form of its value.</summary>
    public static string Render(string template, IBindingContext bindings, TemplateRenderOptions? options = null)
    {
        options ??= TemplateRenderOptions.Default;
        if (!TemplateScanner.HasExpression(template)) return template;
        var sb = new StringBuilder(template.Length);
        foreach (var seg in TemplateScanner.Split(template))
        {
            if (!seg.IsExpression) { sb.Append(seg.Text); continue; }
            var value = Evaluate(seg.Text, bindings, options.Limits);
            var text = value is null && options.NullAsEmpty ? "" : Values.ToStr(value);
            sb.Append(options.Escaping switch
            {
                TemplateEscaping.Json => Values.JsonEscape(text),
                TemplateEscaping.Url => Uri.EscapeDataString(text),
                _ => text,
            });
            if (sb.Length > options.Limits.MaxStringLength)
            {
                throw new ExpressionException(ExpressionErrorKind.StringTooLong,
                    $"rendered template exceeds {options.Limits.MaxStringLength} characters", template, seg.Offset);
            }
        }
        return sb.ToString();
    }

    /// <summary>When the whole text is exactly one <c>${...}</c>, returns the raw value (null stays null);
    /// otherwise renders it as a string. Texts without <c>${</c> are returned unchanged.</summary>
    public static object? EvaluateValue(string template, IBindingContext bindings, TemplateRenderOptions? options = null)
    {
        options ??= TemplateRenderOptions.Default;
        var trimmed = template.Trim();
        if (trimmed.StartsWith("${", StringComparison.Ordinal))
        {
            var segs = TemplateScanner.Split(trimmed);
            if (segs.Count == 1 && segs[0].IsExpression) return Evaluate(segs[0].Text, bindings, options.Limits);
        }
        return Render(template, bindings, options);
    }

    /// <summary>All expressions (texts inside <c>${...}</c>) of a template.</summary>
    public static IReadOnlyList<string> ExtractExpressions(string template)
        => TemplateScanner.Split(template).Where(s => s.IsExpression).Select(s => s.Text).ToList();

    private static IReadOnlyList<Stmt> Parse(string expression, EvaluationLimits limits)
    {
        if (Cache.TryGetValue(expression, out var cached)) return cached;
        if (expression.Trim().Length == 0)
            throw new ExpressionException(ExpressionErrorKind.Syntax, "empty expression '${}'", expression, 0);
        var program = new Parser(expression, limits).ParseProgram();
        if (Cache.Count < MaxCacheEntries) Cache.TryAdd(expression, program);
        return program;
    }
}
