using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Configuration;

namespace AdminPortal.Core.Tests.Connectors.Configuration;

public class ConfigurationTests
{
    public static IEnumerable<object[]> PackageImports()
        => SharedFixtures.PackageAttributes().Where(a => a.Attribute == "ImportAccountEntJSON").Select(a => new object[] { a.Package, a.Value });

    [Theory]
    [MemberData(nameof(PackageImports))]
    public void Every_real_ImportAccountEntJSON_parses(string package, string json)
    {
        var cfg = ImportConfig.Parse(json);
        Assert.NotNull(cfg.Accounts);
        Assert.NotEmpty(cfg.Accounts!.Calls);
        Assert.NotEmpty(cfg.Entitlements!.Types);
        Assert.False(string.IsNullOrEmpty(package));
    }

    [Fact]
    public void Numbers_and_booleans_as_strings_are_accepted()
    {
        var cfg = ImportConfig.Parse("""
            {"accountParams":{"call":{"b":{"callOrder":"1","stageNumber":"2","http":{"url":"u"},"colsToPropsMap":{"accountID":"id"},"inputParams":{"dependentCall":"true"}},
                                      "a":{"callOrder":0,"stageNumber":0,"http":{"url":"u"},"pagination":{"offset":{"offsetParam":"o","batchSize":"50","totalCountPath":5000}}}},
              "statusAndThresholdConfig":{"accountThresholdValue":"10","activeStatus":["true",1],"inactivateAccountsNotInFile":"false"}}}
            """);
        Assert.Equal(new[] { "a", "b" }, cfg.Accounts!.Calls.Select(c => c.Name));
        Assert.True(cfg.Accounts.Calls[1].DependentCall);
        Assert.Equal(50, cfg.Accounts.Calls[0].Pagination!.BatchSize);
        Assert.Equal("5000", cfg.Accounts.Calls[0].Pagination!.TotalCountPath);
        Assert.Equal(10, cfg.Accounts.StatusAndThreshold!.AccountThresholdValue);
        Assert.Equal(new[] { "true", "1" }, cfg.Accounts.StatusAndThreshold.ActiveStatus);
    }

    [Fact]
    public void Wrong_type_is_reported_with_path_line_and_column()
    {
        var ex = Assert.Throws<ConnectorConfigException>(() => ImportConfig.Parse("{\n  \"accountParams\": {\n    \"call\": {\"call1\": {\"callOrder\": \"first\", \"http\": {\"url\": \"u\"}}}}}"));
        Assert.Equal("ImportAccountEntJSON", ex.Attribute);
        Assert.Equal("accountParams.call.call1.callOrder", ex.Path);
        Assert.Equal(3, ex.Line);
        Assert.Contains("must be an integer", ex.Message);
        Assert.Contains("\"first\"", ex.Message);
    }

    [Fact]
    public void Invalid_json_is_reported_with_line()
    {
        var ex = Assert.Throws<ConnectorConfigException>(() => ConnectionDefinition.Parse("{\"authentications\":{\n\"a\":{\"authType\":\"oauth2\",}\n,}"));
        Assert.Equal("ConnectionJSON", ex.Attribute);
        Assert.NotNull(ex.Line);
    }

    [Fact]
    public void Unknown_column_type_and_bad_pagination_are_reported()
    {
        var ex = Assert.Throws<ConnectorConfigException>(() => ImportConfig.Parse("""{"accountParams":{"call":{"c":{"http":{"url":"u"},"colsToPropsMap":{"accountID":"id~#~varchar"}}}}}"""));
        Assert.Contains("unknown type 'varchar'", ex.Message);
        var ex2 = Assert.Throws<ConnectorConfigException>(() => ImportConfig.Parse("""{"accountParams":{"call":{"c":{"http":{"url":"u"},"pagination":{"cursor":{}}}}}}"""));
        Assert.Contains("'nextUrl', 'page' or 'offset'", ex2.Message);
        var ex3 = Assert.Throws<ConnectorConfigException>(() => ImportConfig.Parse("""{"accountParams":{"call":{"c":{"http":"https://x"}}}}"""));
        Assert.Contains("must be an object", ex3.Message);
    }

    [Fact]
    public void Connection_profile_fields_and_status_threshold_attribute()
    {
        var def = ConnectionDefinition.Parse("""
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"https://idp/token","httpMethod":"POST","httpParams":"grant_type=client_credentials",
              "retryFailureStatusCode":["401",403],"maxRefreshTryCount":"4","authError":"InvalidToken","refreshTokenCall":{"url":"https://idp/rt"},
              "apiRateLimitConfig":{"retryAfterCalls":"100","retryWaitSeconds":2},"maskInLogs":["apikey"],"apikey":"k"}}}
            """);
        var p = def.Profiles["acctAuth"];
        Assert.Equal(new[] { 401, 403 }, p.RetryFailureStatusCodes);
        Assert.Equal(4, p.MaxRefreshTryCount);
        Assert.Equal(new[] { "InvalidToken" }, p.AuthErrors);
        Assert.Equal("https://idp/rt", p.RefreshTokenCall!.Url);
        Assert.Equal(100, p.RateLimitRetryAfterCalls);
        Assert.Equal("grant_type=client_credentials", (string?)p.TokenCall!.HttpParams);
        var st = StatusThresholdConfig.Parse("""{"statusAndThresholdConfig":{"statusColumn":"customproperty5","status":["active"],"accountThresholdValue":1000}}""");
        Assert.Equal(new[] { "active" }, st!.ActiveStatus);
        Assert.Throws<ConnectorConfigException>(() => def.Get("other", "x"));
    }

    [Fact]
    public void Template_variables_replace_placeholders_before_parsing()
    {
        var conn = ConnectorConnection.FromAttributes(new Dictionary<string, string?>
        {
            ["ImportAccountEntJSON"] = SharedFixtures.Attribute("SAP_Business_Technology_Platform", "ImportAccountEntJSON"),
            ["AOB_CONNECTION_TEMPLATE_VARIABLES"] = """{"@HOST_URL@":"api.example.com"}""",
        });
        Assert.Equal("https://api.example.com/Users", conn.Import!.Accounts!.Calls[0].Http!.Url);
        Assert.Equal("customproperty11", conn.StatusThreshold!.StatusColumn);
    }
}
