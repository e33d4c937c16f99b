using AdminPortal.Core.Connectors.Configuration;

namespace AdminPortal.Core.Tests.Connectors.Configuration;

public class EmbeddedJsonCheckTests
{
    [Fact]
    public void Check_StringBodyWithTemplatesThatIsValidJson_NoProblem()
    {
        var text = """{"call":[{"name":"call1","httpParams":"{\"name\":\"${user.firstname + \" \" + user.lastname}\",\"count\":${task.count},\"id\":\"@@TENANT@@\"}"}]}""";

        Assert.Empty(EmbeddedJsonCheck.Check("CreateAccountJSON", text));
    }

    [Fact]
    public void Check_UnescapedQuoteInsideStringBody_ReportsAttributePathAndLine()
    {
        // The body's JSON is {"name":"${user.firstname}" "x":1} — a comma is missing where the author
        // closed the quote too early; the outer attribute still parses.
        var text = "{\n  \"call\": [\n    {\n      \"name\": \"call1\",\n      \"httpParams\": \"{\\\"name\\\":\\\"${user.firstname}\\\" \\\"x\\\":1}\"\n    }\n  ]\n}";

        var problem = Assert.Single(EmbeddedJsonCheck.Check("CreateAccountJSON", text));

        Assert.Equal("call[0].httpParams", problem.Path);
        Assert.Equal(5, problem.Line);
        Assert.Contains("CreateAccountJSON: call[0].httpParams (line 5", problem.Message);
        Assert.Contains("position", problem.Detail);
    }

    [Fact]
    public void Check_UnbalancedTemplateInBody_Reported()
    {
        var text = """{"httpParams":"{\"name\":\"${user.firstname\"}"}""";

        var problem = Assert.Single(EmbeddedJsonCheck.Check("ConnectionJSON", text));

        Assert.Equal("httpParams", problem.Path);
        Assert.Contains("'${' has no matching '}'", problem.Detail);
    }

    [Theory]
    [InlineData("grant_type=client_credentials&client_id=${connection.clientId}")]
    [InlineData("")]
    [InlineData("${groovy.json.JsonOutput.toJson([a:1])}")]
    public void CheckBody_NotMeantToBeJson_NotChecked(string body)
    {
        Assert.Null(EmbeddedJsonCheck.CheckBody(body));
    }

    [Fact]
    public void CheckBody_ObjectFormHttpParams_NotChecked()
    {
        Assert.Empty(EmbeddedJsonCheck.Check("ConnectionJSON", """{"httpParams":{"grant_type":"client_credentials"}}"""));
    }

    [Fact]
    public void Substitute_ExpressionsAndPlaceholders_BecomeZero()
    {
        Assert.Equal("{\"a\":\"0\",\"b\":0,\"c\":\"0\"}", EmbeddedJsonCheck.Substitute("{\"a\":\"${x.y}\",\"b\":${n},\"c\":\"@HOST@\"}"));
    }

    [Theory]
    [MemberData(nameof(SharedPackages.Names), MemberType = typeof(SharedPackages))]
    public void Check_EveryAttributeOfTheRealPackages_NoFalseAlarm(string name)
    {
        var checkedBodies = 0;
        foreach (var (attribute, value) in SharedPackages.ClearAttributes(name))
        {
            Assert.Empty(EmbeddedJsonCheck.Check(attribute, value));
            checkedBodies += value.Split("httpParams").Length - 1;
        }

        Assert.True(checkedBodies > 0, $"{name} has no httpParams to check");
    }
}
