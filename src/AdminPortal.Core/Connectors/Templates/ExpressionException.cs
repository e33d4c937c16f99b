namespace AdminPortal.Core.Connectors.Templates;

/// <summary>What went wrong while parsing or evaluating a <c>${...}</c> expression.</summary>
public enum ExpressionErrorKind
{
    Syntax,
    UnbalancedBraces,
    UnknownVariable,
    UnknownMethod,
    TypeMismatch,
    NullReference,
    ArithmeticOverflow,
    DivideByZero,
    IndexOutOfRange,
    StepLimitExceeded,
    DepthLimitExceeded,
    StringTooLong,
    CollectionTooLarge,
    Timeout,
    Forbidden,
    InvalidArgument,
}

/// <summary>
/// Raised when an expression cannot be parsed or evaluated. Carries the expression text, the
/// zero-based offset inside it and the 1-based line/column of that offset.
/// </summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(ExpressionErrorKind kind, string detail, string expression, int offset, Exception? inner = null)
        : base(Format(kind, detail, expression, offset), inner)
    {
        Kind = kind;
        Detail = detail;
        Expression = expression;
        Offset = Math.Clamp(offset, 0, expression.Length);
        (Line, Column) = LineColumn(expression, Offset);
    }

    public ExpressionErrorKind Kind { get; }
    public string Detail { get; }
    public string Expression { get; }
    public int Offset { get; }
    public int Line { get; }
    public int Column { get; }

    internal static (int Line, int Column) LineColumn(string text, int offset)
    {
        int line = 1, col = 1;
        for (int i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; col = 1; } else { col++; }
        }
        return (line, col);
    }

    private static string Format(ExpressionErrorKind kind, string detail, string expression, int offset)
    {
        var (line, col) = LineColumn(expression, Math.Clamp(offset, 0, expression.Length));
        var shown = expression.Length > 300 ? expression[..300] + "…" : expression;
        return $"{kind}: {detail} (at line {line}, column {col}, offset {offset}) in expression: {shown}";
    }
}
