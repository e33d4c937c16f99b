using System.Text.RegularExpressions;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Templates;

/// <summary>Every ${...} found in the five real packages and in REST-CONNECTOR.md must parse and evaluate.</summary>
public class PackageExpressionTests
{
    internal static Bindings ProvisioningBindings()
    {
        var user = new Dictionary<string, object?>
        {
            ["username"] = "jdoe", ["email"] = "j.doe@example.com", ["firstname"] = "John", ["lastname"] = "O\"Doe", ["middlename"] = null,
            ["country"] = "US", ["state"] = "CA", ["city"] = "SF", ["systemUserName"] = "jdoe", ["customproperty3"] = null,
        };
        for (int i = 1; i <= 40; i++) user.TryAdd("customproperty" + i, "cp" + i);
        user["customproperty3"] = null;
        return new Bindings()
            .Set("user", user)
            .Set("account", new Dictionary<string, object?> { ["accountID"] = "42", ["name"] = "jdoe" })
            .Set("entitlementValue", new Dictionary<string, object?> { ["entitlementID"] = "Global Admin", ["entitlement_value"] = "Global Admin" })
            .Set("password", "S3cret!")
            .Set("access_token", "Bearer abc")
            .Set("refresh_token", "r1")
            .Set("accountName", "jdoe")
            .Set("id", "g1")
            .Set("entitlementID", "g1")
            .Set("userIdentifier", "jdoe")
            .Set("connection", new Dictionary<string, object?> { ["Email"] = "a@b.c", ["Password"] = "pw", ["apikey"] = "k", ["x"] = "y" })
            .Set("response", JObject.Parse("""
                {"completeResponseMap":{"_links":{"next":"https://h/agents?skip=100"}},"objectList":[1,2],
                 "call1":{"message":{"id":"u-1","data":{"id":"d-1"}}},
                 "directRoles":["admin","viewer"],
                 "Group1":{"message":{"x":[{"id":"a","name":"n1"},{"id":"b","name":"n2"}]}}}
                """))
            .Set("task", new Dictionary<string, object?> { ["source"] = "REQUEST" })
            .Set("requestAccessAttributes", new Dictionary<string, object?> { ["RoleType"] = "admin" })
            .Set("userManager", new Dictionary<string, object?> { ["systemUserName"] = "boss" })
            .Set("arsTasks", new Dictionary<string, object?> { ["password"] = "p" })
            .Set("account_entitlements", new Dictionary<string, object?> { ["uuid"] = "uu" })
            .Set("childresponse", new Dictionary<string, object?> { ["field"] = "f" })
            .Set("ticketID", "T1").Set("otp", "123").Set("phone", "555").Set("passCode", "999").Set("ticketStatusValue", "Closed")
            .Set("apiKey", "k").Set("timestamp", "1").Set("cookies", "c=1")
            .Set("LOGONNAME", "jdoe");
    }

    public static IEnumerable<object[]> PackageTemplates()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pkg, _, attr, value) in SharedFixtures.PackageAttributes())
        {
            foreach (var s in SharedFixtures.StringsIn(JToken.Parse(value)))
            {
                if (TemplateScanner.HasExpression(s) && seen.Add(s)) yield return new object[] { pkg + "/" + attr, s };
            }
        }
    }

    [Theory]
    [MemberData(nameof(PackageTemplates))]
    public void Every_package_template_renders(string where, string template)
    {
        var plain = TemplateRenderer.Render(template, ProvisioningBindings());
        Assert.DoesNotContain("${", plain);
        var json = TemplateRenderer.Render(template, ProvisioningBindings(), TemplateRenderOptions.Json);
        Assert.DoesNotContain("${", json);
        // JSON-string bodies stay valid JSON even though lastname contains a quote
        if (template.TrimStart().StartsWith('{')) JToken.Parse(json);
        Assert.False(string.IsNullOrEmpty(where));
    }

    [Fact]
    public void Package_extraction_finds_the_known_expressions()
    {
        var all = PackageTemplates().Select(x => (string)x[1]).ToList();
        Assert.True(all.Count >= 20, $"only {all.Count} templates found");
        Assert.Contains(all, t => t.Contains("_links.next", StringComparison.Ordinal));
        Assert.Contains(all, t => t.Contains("replace(' ', '%20')", StringComparison.Ordinal));
    }

    public static IEnumerable<object[]> SpecExpressions()
    {
        var text = File.ReadAllText(SharedFixtures.SpecPath("REST-CONNECTOR.md"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(text, @"\$\{"))
        {
            int close = TemplateScanner.FindClosingBrace(text, m.Index + 2);
            if (close < 0 || close - m.Index > 400) continue;
            var expr = text[(m.Index + 2)..close];
            // skip prose placeholders such as ${...}, ${}, ${ <groovy> }, ${connection.<key>}, ${account.*}
            if (expr.Contains("...", StringComparison.Ordinal) || expr.Contains('<') || expr.Contains('*') || expr.Trim().Length == 0 || expr.Contains('\n')) continue;
            if (seen.Add(expr)) yield return new object[] { expr };
        }
    }

    [Theory]
    [MemberData(nameof(SpecExpressions))]
    public void Every_spec_expression_evaluates(string expression)
    {
        _ = TemplateRenderer.Evaluate(expression, ProvisioningBindings());
    }

    [Fact]
    public void Spec_extraction_finds_expressions()
    {
        Assert.True(SpecExpressions().Count() >= 15);
    }

    [Fact]
    public void Spec_loop_expression_from_section_6_6_with_condition_filled_in()
    {
        // §6.6 shows ${for (Map m : response.Group1.message.x){ if (...) { return m.id; } }} with the condition elided.
        var v = TemplateRenderer.Evaluate("for (Map m : response.Group1.message.x){ if (m.name == 'n2') { return m.id; } }", ProvisioningBindings());
        Assert.Equal("b", v);
        var w = TemplateRenderer.Evaluate("if(task.source.equals('REQUEST')){ return 'r' }else{ return 'o' }", ProvisioningBindings());
        Assert.Equal("r", w);
    }

    [Fact]
    public void InContact_next_url_expression_returns_link_or_null()
    {
        const string expr = "response?.completeResponseMap?._links.next==null?null:response.completeResponseMap._links.next";
        var b = new Bindings().Set("response", new Dictionary<string, object?> { ["completeResponseMap"] = JObject.Parse("""{"_links":{"next":"https://h/a?skip=2"}}""") });
        Assert.Equal("https://h/a?skip=2", TemplateRenderer.Evaluate(expr, b));
        var last = new Bindings().Set("response", new Dictionary<string, object?> { ["completeResponseMap"] = JObject.Parse("""{"_links":{"next":null}}""") });
        Assert.Null(TemplateRenderer.Evaluate(expr, last));
        var none = new Bindings().Set("response", new Dictionary<string, object?> { ["completeResponseMap"] = JObject.Parse("""{"agents":[]}""") });
        Assert.Null(TemplateRenderer.Evaluate(expr, none));
    }

    [Fact]
    public void Sap_group_url_expression_replaces_spaces()
    {
        var url = TemplateRenderer.Render("https://h/Groups/${entitlementValue.entitlementID.replace(' ', '%20')}/members", ProvisioningBindings());
        Assert.Equal("https://h/Groups/Global%20Admin/members", url);
    }
}
