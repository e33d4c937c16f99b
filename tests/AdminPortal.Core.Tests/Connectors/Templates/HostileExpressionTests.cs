using AdminPortal.Core.Connectors.Templates;

namespace AdminPortal.Core.Tests.Connectors.Templates;

public class HostileExpressionTests
{
    private static ExpressionException Fails(string expr, IBindingContext? b = null, EvaluationLimits? limits = null)
        => Assert.Throws<ExpressionException>(() => TemplateRenderer.Evaluate(expr, b ?? new Bindings().Set("x", "a"), limits));

    [Fact]
    public void Endless_while_loop_hits_the_step_limit()
    {
        var ex = Fails("while (true) { }");
        Assert.Equal(ExpressionErrorKind.StepLimitExceeded, ex.Kind);
        Assert.Contains("100000 steps", ex.Message);
    }

    [Fact]
    public void Endless_for_loop_hits_the_step_limit()
    {
        Assert.Equal(ExpressionErrorKind.StepLimitExceeded, Fails("for (int i = 0; ; i++) { i = i }").Kind);
    }

    [Fact]
    public void Time_limit_applies()
    {
        var limits = new EvaluationLimits { MaxSteps = int.MaxValue, Timeout = TimeSpan.FromMilliseconds(50) };
        var ex = Fails("def i = 0; while (true) { i++ }", limits: limits);
        Assert.Equal(ExpressionErrorKind.Timeout, ex.Kind);
    }

    [Fact]
    public void Deep_parenthesis_nesting_is_rejected_at_parse_time()
    {
        var expr = new string('(', 5000) + "1" + new string(')', 5000);
        var ex = Fails(expr);
        Assert.Equal(ExpressionErrorKind.DepthLimitExceeded, ex.Kind);
    }

    [Fact]
    public void Deep_list_nesting_is_rejected()
    {
        var expr = new string('[', 3000) + new string(']', 3000);
        Assert.Equal(ExpressionErrorKind.DepthLimitExceeded, Fails(expr).Kind);
    }

    [Fact]
    public void Runaway_closure_recursion_is_rejected()
    {
        var ex = Fails("def f; f = { n -> f(n + 1) }; f(0)");
        Assert.Equal(ExpressionErrorKind.DepthLimitExceeded, ex.Kind);
    }

    [Fact]
    public void Huge_string_by_doubling_is_rejected()
    {
        var ex = Fails("def s = 'x'; for (int i = 0; i < 40; i++) { s = s + s }; s");
        Assert.Equal(ExpressionErrorKind.StringTooLong, ex.Kind);
    }

    [Fact]
    public void Huge_string_by_multiplication_is_rejected()
    {
        Assert.Equal(ExpressionErrorKind.StringTooLong, Fails("'abc' * 100000000").Kind);
    }

    [Fact]
    public void Huge_expression_source_is_rejected()
    {
        var expr = "'" + new string('a', 70_000) + "'";
        Assert.Equal(ExpressionErrorKind.StringTooLong, Fails(expr).Kind);
    }

    [Fact]
    public void Huge_collection_is_rejected()
    {
        Assert.Equal(ExpressionErrorKind.CollectionTooLarge, Fails("def l = []; l[200000] = 1", limits: new EvaluationLimits { MaxSteps = 10_000_000 }).Kind);
    }

    [Fact]
    public void Unbalanced_template_brace_is_reported_with_offset()
    {
        var ex = Assert.Throws<ExpressionException>(() => TemplateRenderer.Render("abc ${user.name", new Bindings()));
        Assert.Equal(ExpressionErrorKind.UnbalancedBraces, ex.Kind);
        Assert.Equal(4, ex.Offset);
        Assert.Equal(1, ex.Line);
        Assert.Equal(5, ex.Column);
    }

    [Fact]
    public void Brace_inside_string_literal_does_not_close_the_placeholder()
    {
        var ex = Assert.Throws<ExpressionException>(() => TemplateRenderer.Render("${'}'", new Bindings()));
        Assert.Equal(ExpressionErrorKind.UnbalancedBraces, ex.Kind);
    }

    [Fact]
    public void Unclosed_block_is_reported()
    {
        Assert.Equal(ExpressionErrorKind.UnbalancedBraces, Fails("if (true) { 'a'").Kind);
    }

    [Fact]
    public void Syntax_error_carries_line_and_column()
    {
        var ex = Fails("def a = 1\na = a +* 2");
        Assert.Equal(ExpressionErrorKind.Syntax, ex.Kind);
        Assert.Equal(2, ex.Line);
        Assert.Equal(8, ex.Column);
        Assert.Contains("a = a +* 2", ex.Expression);
    }

    [Fact]
    public void Unknown_variable_is_reported_by_name_and_position()
    {
        var ex = Fails("x + missing");
        Assert.Equal(ExpressionErrorKind.UnknownVariable, ex.Kind);
        Assert.Contains("'missing'", ex.Message);
        Assert.Equal(4, ex.Offset);
    }

    [Fact]
    public void Unknown_method_is_reported()
    {
        var ex = Fails("x.frobnicate()");
        Assert.Equal(ExpressionErrorKind.UnknownMethod, ex.Kind);
        Assert.Contains("frobnicate", ex.Message);
    }

    [Theory]
    [InlineData("x.getClass()")]
    [InlineData("x.class")]
    [InlineData("System.exit(0)")]
    [InlineData("'ls'.execute()")]
    [InlineData("new File('/etc/passwd')")]
    [InlineData("Runtime.getRuntime()")]
    [InlineData("x.metaClass")]
    public void Reflection_and_io_are_forbidden(string expr)
    {
        Assert.Equal(ExpressionErrorKind.Forbidden, Fails(expr).Kind);
    }

    [Fact]
    public void Method_on_null_without_safe_navigation_fails()
    {
        var ex = Fails("n.trim()", new Bindings().Set("n", null));
        Assert.Equal(ExpressionErrorKind.NullReference, ex.Kind);
        Assert.Null(TemplateRenderer.Evaluate("n?.trim()", new Bindings().Set("n", null)));
    }

    [Fact]
    public void Overflow_and_division_by_zero()
    {
        Assert.Equal(ExpressionErrorKind.ArithmeticOverflow, Fails("Math.addExact(2147483647, 1)").Kind);
        Assert.Equal(ExpressionErrorKind.ArithmeticOverflow, Fails("9223372036854775807 + 1").Kind);
        Assert.Equal(ExpressionErrorKind.DivideByZero, Fails("1 / 0").Kind);
        Assert.Equal(ExpressionErrorKind.InvalidArgument, Fails("Integer.parseInt('abc')").Kind);
    }

    [Fact]
    public void Catastrophic_regex_times_out()
    {
        var ex = Fails("('a' * 30 + '!').matches('(a+)+$')", limits: new EvaluationLimits());
        Assert.True(ex.Kind is ExpressionErrorKind.Timeout, ex.Message);
    }

    [Fact]
    public void Empty_placeholder_is_a_syntax_error()
    {
        var ex = Assert.Throws<ExpressionException>(() => TemplateRenderer.Render("a${}b", new Bindings()));
        Assert.Equal(ExpressionErrorKind.Syntax, ex.Kind);
    }

    [Fact]
    public void Cannot_mutate_host_supplied_collections()
    {
        var b = new Bindings().Set("m", new Dictionary<string, object?> { ["a"] = 1 });
        // a host dictionary<string, object?> is accepted as a map but must not be changed by scripts
        var ex = Fails("m.put('b', 2)", new Bindings().Set("m", Newtonsoft.Json.Linq.JObject.Parse("{\"a\":1}")));
        Assert.Equal(ExpressionErrorKind.Forbidden, ex.Kind);
        Assert.NotNull(b);
    }
}
