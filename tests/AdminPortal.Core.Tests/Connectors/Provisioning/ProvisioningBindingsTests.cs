using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Connectors.Templates;
using AdminPortal.Core.Domain;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Provisioning;

/// <summary>The pure binding construction and the response registry.</summary>
public class ProvisioningBindingsTests
{
    [Fact]
    public void Build_BindsEveryListedName_EvenWhenTheTaskHasNoValue()
    {
        var b = ProvisioningBindings.Build(new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount }, null, new JObject());
        foreach (var name in ProvisioningBindings.Names) Assert.True(b.TryResolve(name, out _), name);
        Assert.Equal("", TemplateRenderer.Render("${account.accountID}${userManager.email}${entitlementValue.entitlementID}", b));
        var ex = Assert.Throws<ExpressionException>(() => TemplateRenderer.Render("${acount.accountID}", b));
        Assert.Equal(ExpressionErrorKind.UnknownVariable, ex.Kind);
    }

    [Fact]
    public void Maps_AreCaseInsensitive_AndNestedMapsToo()
    {
        var req = new ProvisioningRequest
        {
            Operation = ProvisioningTaskType.UpdateAccount,
            User = new Dictionary<string, object?> { ["SystemUserName"] = "jd", ["manager"] = new Dictionary<string, object?> { ["Email"] = "m@x" } },
        };
        var b = ProvisioningBindings.Build(req, null, new JObject());
        Assert.Equal("jd|m@x", TemplateRenderer.Render("${user.systemusername}|${user.MANAGER.email}", b));
    }

    [Fact]
    public void AccountName_PrefersTheGivenName_ThenTheRule_ThenTheAccountsName()
    {
        var user = new Dictionary<string, object?> { ["username"] = "jdoe" };
        Assert.Equal("given", ProvisioningBindings.ComputeAccountName(new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount, AccountName = "given", AccountNameRule = "${user.username}", User = user }, EvaluationLimits.Default));
        Assert.Equal("jdoe-x", ProvisioningBindings.ComputeAccountName(new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount, AccountNameRule = "${user.username}-x", User = user }, EvaluationLimits.Default));
        Assert.Equal("acct", ProvisioningBindings.ComputeAccountName(new ProvisioningRequest { Operation = ProvisioningTaskType.UpdateAccount, Account = new Dictionary<string, object?> { ["name"] = "acct" } }, EvaluationLimits.Default));
        Assert.Null(ProvisioningBindings.ComputeAccountName(new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount }, EvaluationLimits.Default));
        Assert.Throws<ExpressionException>(() => ProvisioningBindings.ComputeAccountName(new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount, AccountNameRule = "${user.(}" }, EvaluationLimits.Default));
    }

    [Fact]
    public void Registry_KeepsStatusHeadersAndTextBodies()
    {
        var reg = new ResponseRegistry(["call1"]);
        reg.Register("call1", new HttpCallResult
        {
            Method = "POST", Url = "http://x", StatusCode = 202, Text = "accepted",
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Location"] = "/users/9" },
        });
        var b = new Bindings().Set("response", reg.Root);
        Assert.Equal("202|/users/9|accepted|accepted", TemplateRenderer.Render("${response.call1.statusCode}|${response.call1.headers.Location}|${response.call1.message}|${response.call11.responseText}", b));
    }
}
