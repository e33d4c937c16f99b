using AdminPortal.Core.Connectors.Configuration;

namespace AdminPortal.Core.Tests.Connectors.Configuration;

public class TemplateSyntaxCheckTests
{
    [Fact]
    public void Check_ValidTemplatesEverywhere_NoProblem()
    {
        var text = """{"call":[{"name":"call1","url":"https://h/Users/${account.accountID}?x=${user.firstname + ' ' + user.lastname}","headers":{"Authorization":"${access_token}"}}]}""";

        Assert.Empty(TemplateSyntaxCheck.Check("UpdateAccountJSON", text));
    }

    [Fact]
    public void Check_UnclosedTemplate_ReportsAttributePathLineAndOffset()
    {
        var text = "{\n  \"call\": [\n    {\n      \"name\": \"call1\",\n      \"url\": \"https://x/${user.firstname\"\n    }\n  ]\n}";

        var problem = Assert.Single(TemplateSyntaxCheck.Check("CreateAccountJSON", text));

        Assert.Equal("call[0].url", problem.Path);
        Assert.Equal(5, problem.Line);
        Assert.Equal("https://x/".Length, problem.Offset);
        Assert.Contains("no matching '}'", problem.Detail);
        Assert.StartsWith("CreateAccountJSON: call[0].url (line 5", problem.Message);
        Assert.Contains("character 11", problem.Message);
    }

    [Theory]
    [InlineData("${user.}", "property")]
    [InlineData("a ${}", "empty")]
    [InlineData("${1 +}", "")]
    [InlineData("${user.firstname ?: }", "")]
    public void CheckTemplate_SyntaxErrorInsideAnExpression_ReportsItsPlace(string template, string detailContains)
    {
        var fault = TemplateSyntaxCheck.CheckTemplate(template);

        Assert.NotNull(fault);
        Assert.InRange(fault.Value.Offset, template.IndexOf("${", StringComparison.Ordinal), template.Length);
        Assert.False(string.IsNullOrWhiteSpace(fault.Value.Detail));
        if (detailContains.Length > 0) Assert.Contains(detailContains, fault.Value.Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CheckTemplate_DeeplyNestedExpression_RefusedWithoutStackOverflow()
    {
        var fault = TemplateSyntaxCheck.CheckTemplate("${" + new string('(', 5000) + "1" + new string(')', 5000) + "}");

        Assert.NotNull(fault);
    }

    [Fact]
    public void Check_PropertyNamesAndNonTemplates_AreNotChecked()
    {
        Assert.Empty(TemplateSyntaxCheck.Check("ConnectionJSON", """{"${weird key":"plain", "price":"$5 {not a template}"}"""));
        Assert.Empty(TemplateSyntaxCheck.Check("ConnectionJSON", "not json ${"));
    }

    [Theory]
    [MemberData(nameof(SharedPackages.Names), MemberType = typeof(SharedPackages))]
    public void Check_EveryAttributeOfTheRealPackages_NoFalseAlarm(string name)
    {
        var templates = 0;
        foreach (var (attribute, value) in SharedPackages.ClearAttributes(name))
        {
            Assert.Empty(TemplateSyntaxCheck.Check(attribute, value));
            templates += value.Split("${").Length - 1;
        }

        Assert.True(templates > 0, $"{name} has no templates to check");
    }
}
