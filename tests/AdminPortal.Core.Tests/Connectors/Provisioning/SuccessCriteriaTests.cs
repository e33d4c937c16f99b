using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Provisioning;

/// <summary>Every successResponses/unsuccessResponses form of REST-CONNECTOR.md §6.4, evaluated by the pure evaluator.</summary>
public class SuccessCriteriaTests
{
    private static (ResponseCriteria? Success, ResponseCriteria? Unsuccess) Read(string callExtra)
    {
        var json = Prov.Calls("", Prov.Call("call1", "POST", "https://x/api", null, callExtra));
        var cfg = ProvisioningConfig.Parse("CreateAccountJSON", json);
        return (cfg.Calls[0].SuccessResponses, cfg.Calls[0].UnsuccessResponses);
    }

    private static bool Eval(string callExtra, int status, string? body, Func<string, string>? render = null)
    {
        var (s, u) = Read(callExtra);
        return SuccessCriteria.Evaluate(status, body is null ? null : JToken.Parse(body), s, u, render).Success;
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(204, true)]
    [InlineData(202, false)]
    [InlineData(400, false)]
    public void StatusList_AcceptsOnlyListedCodes(int status, bool expected)
        => Assert.Equal(expected, Eval(""","successResponses":{"statusCode":[200,201,204]}""", status, "{}"));

    [Fact]
    public void StatusList_AsStrings_IsAccepted()
        => Assert.True(Eval(""","successResponses":{"statusCode":["201"]}""", 201, null));

    [Theory]
    [InlineData("""{"result":"success"}""", true)]
    [InlineData("""{"result":"failure"}""", false)]
    [InlineData("""{"other":1}""", false)]
    public void BodyValue_MustEqualTheListedValue(string body, bool expected)
        => Assert.Equal(expected, Eval(""","successResponses":{"result":"success"}""", 200, body));

    [Fact]
    public void BodyValueList_AnyListedValueMatches()
    {
        const string c = ""","successResponses":{"ProcessExecuteStatusCode":["CompletedSuccessfully","Queued"]}""";
        Assert.True(Eval(c, 200, """{"ProcessExecuteStatusCode":"Queued"}"""));
        Assert.False(Eval(c, 200, """{"ProcessExecuteStatusCode":"Failed"}"""));
    }

    [Fact]
    public void BodyCondition_WithoutStatusCode_StillRequires2xx()
        => Assert.False(Eval(""","successResponses":{"result":"success"}""", 500, """{"result":"success"}"""));

    [Fact]
    public void StatusAndBody_InOneObject_BothMustHold()
    {
        const string c = ""","successResponses":{"statusCode":[200],"data.state":"done"}""";
        Assert.True(Eval(c, 200, """{"data":{"state":"done"}}"""));
        Assert.False(Eval(c, 201, """{"data":{"state":"done"}}"""));
        Assert.False(Eval(c, 200, """{"data":{"state":"pending"}}"""));
    }

    [Fact]
    public void ArrayOfObjects_AnyObjectMayHold()
    {
        const string c = ""","successResponses":[{"statusCode":[201]},{"statusCode":[200],"status":"ok"}]""";
        Assert.True(Eval(c, 201, "{}"));
        Assert.True(Eval(c, 200, """{"status":"ok"}"""));
        Assert.False(Eval(c, 200, """{"status":"nope"}"""));
    }

    [Fact]
    public void ArrayForm_WithIndexedPathAndTemplateValue_IsRendered()
    {
        const string c = ""","successResponses":[{"Ticket[0].State":"${user.state}"}]""";
        Assert.True(Eval(c, 200, """{"Ticket":[{"State":"Closed"}]}""", v => v.Replace("${user.state}", "Closed", StringComparison.Ordinal)));
        Assert.False(Eval(c, 200, """{"Ticket":[{"State":"Open"}]}""", v => v.Replace("${user.state}", "Closed", StringComparison.Ordinal)));
    }

    [Fact]
    public void EmptyArrayOfEmptyObject_Means2xx()
    {
        Assert.True(Eval(""","successResponses":[{}]""", 200, "{}"));
        Assert.False(Eval(""","successResponses":[{}]""", 404, "{}"));
    }

    [Fact]
    public void NoSuccessResponses_Means2xx()
    {
        Assert.True(Eval("", 204, null));
        Assert.False(Eval("", 409, """{"message":"exists"}"""));
    }

    [Fact]
    public void UnsuccessStatus_FailsEvenWhenSuccessListsIt()
        => Assert.False(Eval(""","successResponses":{"statusCode":[200,409]},"unsuccessResponses":{"statusCode":[409]}""", 409, "{}"));

    [Fact]
    public void UnsuccessBodyPath_FailsAnHttp200()
    {
        const string c = ""","successResponses":{"statusCode":[200]},"unsuccessResponses":{"error.message":"Operation Failed"}""";
        Assert.False(Eval(c, 200, """{"error":{"message":"Operation Failed"}}"""));
        Assert.True(Eval(c, 200, """{"result":{"id":"1"}}"""));
    }

    [Fact]
    public void UnsuccessArrayForm_AnyObjectFails()
    {
        const string c = ""","unsuccessResponses":[{"message":"User already exists"},{"statusCode":[500]}]""";
        Assert.False(Eval(c, 200, """{"message":"User already exists"}"""));
        Assert.False(Eval(c, 500, "{}"));
        Assert.True(Eval(c, 200, """{"message":"created"}"""));
    }

    [Fact]
    public void ErrorShapedHttp200_IsAFailure_UnlessABodyConditionHeld()
    {
        Assert.False(Eval(""","successResponses":{"statusCode":[200]}""", 200, """{"error":"invalid profile"}"""));
        Assert.False(Eval("", 200, """{"errors":[{"code":"E1"}]}"""));
        Assert.True(Eval("", 200, """{"errors":[]}"""));
        Assert.True(Eval(""","successResponses":{"statusCode":[200],"status":"queued"}""", 200, """{"status":"queued","errorCode":"W1"}"""));
    }

    [Fact]
    public void ListValueAtPath_MatchesWhenAnyElementMatches()
        => Assert.True(Eval(""","successResponses":{"agentResults.success":"true"}""", 200, """{"agentResults":[{"success":true}]}"""));

    [Fact]
    public void CapitalisedSuccessResponses_IsReadWithAWarning()
    {
        var cfg = ProvisioningConfig.Parse("CreateAccountJSON", Prov.Calls("", Prov.Call("call1", "POST", "https://x", null, ""","SuccessResponses":{"statusCode":[201]}""")));
        Assert.NotNull(cfg.Calls[0].SuccessResponses);
        Assert.Contains(cfg.Warnings, w => w.Contains("SuccessResponses", StringComparison.Ordinal));
        Assert.False(SuccessCriteria.Evaluate(200, null, cfg.Calls[0].SuccessResponses, null).Success);
    }

    [Fact]
    public void FailureReason_NamesTheMismatch()
    {
        var (s, _) = Read(""","successResponses":{"data.state":"done"}""");
        var o = SuccessCriteria.Evaluate(200, JToken.Parse("""{"data":{"state":"pending"}}"""), s, null);
        Assert.Contains("data.state = 'pending', expected 'done'", o.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CallSelector_AccessOperationsRunOnlyCallsNamedLikeTheEntitlementType()
    {
        var cfg = ProvisioningConfig.Parse("AddAccessJSON", Prov.Calls("",
            Prov.Call("Group", "POST", "https://x/g"), Prov.Call("Role", "POST", "https://x/r"), Prov.Call("group", "POST", "https://x/g2")));
        var (calls, reason) = CallSelector.Select(cfg, ProvisioningTaskType.AddAccess, "Group");
        Assert.Null(reason);
        Assert.Equal(["https://x/g", "https://x/g2"], calls.Select(c => c.Http.Url));
        var (none, why) = CallSelector.Select(cfg, ProvisioningTaskType.RemoveAccess, "License");
        Assert.Empty(none);
        Assert.Contains("no call named 'License'", why, StringComparison.Ordinal);
        var (all, _) = CallSelector.Select(cfg, ProvisioningTaskType.UpdateAccount, null);
        Assert.Equal(3, all.Count);
    }

    [Theory]
    [InlineData("https://api.confluent.cloud/iam/v2/service-accounts/${account.accountID}", "/iam/v2/service-accounts/{}")]
    [InlineData(" https://h/api/v0/corps/c/sites/${entitlementValue.entitlementID}/members?x=${y}", "/api/v0/corps/c/sites/{}/members")]
    [InlineData("/teams/${entitlementValue.entitlementID}/agents", "/teams/{}/agents")]
    [InlineData("${connection.base}/users", "{}/users")]
    public void PathTemplate_HasNoIdsOrValues(string url, string expected) => Assert.Equal(expected, ProvisioningFailures.PathTemplate(url));

    [Fact]
    public void RetryAfter_ReadsSecondsAndDates()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(7), ProvisioningFailures.RetryAfter(new Dictionary<string, string> { ["Retry-After"] = "7" }, now));
        Assert.Equal(TimeSpan.FromSeconds(30), ProvisioningFailures.RetryAfter(new Dictionary<string, string> { ["Retry-After"] = now.AddSeconds(30).ToString("r") }, now));
        Assert.Null(ProvisioningFailures.RetryAfter(new Dictionary<string, string>(), now));
    }
}
