using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// The engine loads only the record properties a call reads (ResponseProjection, issue [6/7]): what it maps must come
/// out exactly as from a fully loaded page, whatever else the records carry.
/// </summary>
public class ResponseProjectionTests
{
    private const string Page = """
        { "total": 2, /* a comment in the envelope */
          "items": [
            { "id": "u1", "login": "ann", "profile": { "email": "ann@x.test", "phone": "1" }, "a.b": "literal",
              "groups": [ { "value": "g1", "display": "G one", "type": "DIRECT" }, { "value": "g2", "display": "G two", "$ref": "https://x.test/Groups/g2" } ], "members": [ { "value": "noise" } ], "huge": { "deep": [1, 2, { "x": "y" }] } },
            { "id": "u2", "login": "bob", "login": "bob2", "profile": { "email": "bob@x.test" }, // duplicate key: the last wins
              "groups": [], "meta": { "created": "2020-01-01" } }
          ] }
        """;

    private static string Import(string baseUrl, string extraColumn = "") => """
        {"accountParams":{"connection":"acctAuth","call":{"call1":{"callOrder":"0","stageNumber":"0",
          "http":{"url":"@@base@@/users","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
          "listField":"items","keyField":"accountID",
          "colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char","customproperty1":"profile.email~#~char","customproperty2":"a.b~#~char"@@extra@@}}},
          "acctEntMappings":{"Groups":{"listPath":"groups","idPath":"value","keyField":"entitlementID","importAsEntitlement":true}}}}
        """.Replace("@@base@@", baseUrl).Replace("@@extra@@", extraColumn);

    [Theory]
    [InlineData("")] // projected: only id, login, profile, a.b and groups are loaded
    [InlineData(",\"customproperty3\":\"${login}\"")] // a template column sees every property: loaded whole
    [InlineData(",\"customproperty4\":\"profile~#~char\"")] // profile read whole as well as through profile.email
    [InlineData(",\"customproperty5\":\"groups.display~#~char\"")] // a second property of the membership items
    public async Task Mapped_columns_and_memberships_are_the_same_with_or_without_the_projection(string extraColumn)
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, Page));
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import(srv.BaseUrl, extraColumn)), sink);

        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(["u1", "u2"], sink.Accounts.Select(a => a.AccountId));
        Assert.Equal(["ann", "bob2"], sink.Accounts.Select(a => a.Name));
        Assert.Equal(["ann@x.test", "bob@x.test"], sink.Accounts.Select(a => a.Attributes["customproperty1"]));
        Assert.Equal("literal", sink.Accounts[0].Attributes["customproperty2"]);
        Assert.Equal(["g1", "g2"], sink.Links.Where(l => l.AccountId == "u1").Select(l => l.EntitlementId).Order());
        Assert.DoesNotContain(sink.Links, l => l.AccountId == "u2");
        if (extraColumn.Contains("customproperty4")) Assert.Equal("""{"email":"ann@x.test","phone":"1"}""", sink.Accounts[0].Attributes["customproperty4"]);
        if (extraColumn.Contains("customproperty5")) Assert.Equal("G one,G two", sink.Accounts[0].Attributes["customproperty5"]);
    }

    [Fact]
    public async Task A_truncated_page_still_fails_the_read()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, Page[..(Page.Length / 2)]));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import(srv.BaseUrl)), new CollectingSink());

        Assert.False(r.IsComplete);
        Assert.NotNull(r.Failure);
    }

    [Theory]
    [InlineData("utf-8")] // the byte path (ProjectedJsonLoader) skips a UTF-8 byte order mark
    [InlineData("utf-16")] // it reads UTF-8 only: another byte order mark goes to the text path, which loads the page whole
    public async Task A_page_with_a_byte_order_mark_maps_the_same(string charset)
    {
        var encoding = System.Text.Encoding.GetEncoding(charset);
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            ctx.Response.ContentType = "application/json; charset=" + charset;
            await ctx.Response.Body.WriteAsync(encoding.GetPreamble().Concat(encoding.GetBytes(Page)).ToArray());
        });
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import(srv.BaseUrl)), sink);

        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(["ann", "bob2"], sink.Accounts.Select(a => a.Name));
        Assert.Equal(["g1", "g2"], sink.Links.Where(l => l.AccountId == "u1").Select(l => l.EntitlementId).Order());
    }

    [Fact]
    public async Task A_login_page_instead_of_the_list_is_reported_as_HTML()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, "  <html><body>Sign in</body></html>", contentType: "application/json"));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import(srv.BaseUrl)), new CollectingSink());

        Assert.False(r.IsComplete);
        Assert.Equal(AdminPortal.Core.Connectors.Import.ImportFailureKind.HtmlInsteadOfJson, r.Failure!.Kind);
        Assert.Contains("Sign in", r.Failure.Message);
    }
}
