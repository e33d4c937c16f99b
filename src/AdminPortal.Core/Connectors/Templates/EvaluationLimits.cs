namespace AdminPortal.Core.Connectors.Templates;

/// <summary>Sandbox bounds for one expression evaluation.</summary>
public sealed record EvaluationLimits
{
    public static EvaluationLimits Default { get; } = new();

    /// <summary>Maximum interpreter steps (node evaluations) per evaluation.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Maximum nesting depth, both while parsing and while evaluating (closures, calls).</summary>
    public int MaxDepth { get; init; } = 200;

    /// <summary>Maximum length of any string produced by the expression.</summary>
    public int MaxStringLength { get; init; } = 1_000_000;

    /// <summary>Maximum number of elements of any list or map built by the expression.</summary>
    public int MaxCollectionSize { get; init; } = 100_000;

    /// <summary>Wall-clock bound per evaluation.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Maximum length of an expression's source text.</summary>
    public int MaxExpressionLength { get; init; } = 64 * 1024;
}
