namespace AdminPortal.Core.Tests.Connectors.Import;

public class LinkModeTests
{
    internal const string Accounts = """
        "accountParams":{"call":{"call1":{"http":{"url":"BASE/users","httpMethod":"GET"},"listField":"users","keyField":"accountID",
          "colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char"}}}}
        """;

    internal const string Groups = """
        "entitlementParams":{"entTypes":{"Group":{"entTypeOrder":0,"call":{"call1":{"http":{"url":"BASE/groups","httpMethod":"GET"},"listField":"groups","keyField":"entitlementID",
          "colsToPropsMap":{"entitlementID":"id~#~char","entitlement_value":"name~#~char"}}}}}}
        """;

    private static Task<(FixtureServer, CollectingSink, AdminPortal.Core.Connectors.Import.ImportResult)> Run(string import) => Run(import, new CollectingSink());

    /// <summary>Runs <paramref name="import"/> (BASE = the fixture's URL) into <paramref name="sink"/>.</summary>
    internal static async Task<(FixtureServer, TSink, AdminPortal.Core.Connectors.Import.ImportResult)> Run<TSink>(string import, TSink sink) where TSink : AdminPortal.Core.Connectors.Import.IImportSink
    {
        var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) switch
        {
            "/users" => Fx.Json(ctx, """{"users":[{"id":"1","login":"ann","roles":["Admins"],"grp":{"id":"g2"}},{"id":"2","login":"bob","roles":[]},{"id":"3","login":"cy","roles":["Viewers","Nope"]}]}"""),
            // a repeated account (the later copy is ignored, its memberships still count), and two accounts named "cy"
            // a second account call (service accounts): "2" again, with a null login (kept from the first call) and a new column
            "/svc" => Fx.Json(ctx, """{"users":[{"id":"2","login":null,"roles":["Viewers"],"mail":"bob@x"},{"id":"9","login":"svc9","roles":["Admins"]}]}"""),
            "/dupusers" => Fx.Json(ctx, """{"users":[{"id":"1","login":"ann","roles":["Admins"]},{"id":"3","login":"cy","roles":["Viewers"]},{"id":"1","login":"ann2","roles":["Viewers","Admins"]},{"id":"4","login":"cy","roles":["Admins"]}]}"""),
            "/groups" => Fx.Json(ctx, """{"groups":[{"id":"g1","name":"Admins","members":[{"value":"1"},{"value":"2"}]},{"id":"g2","name":"Viewers","members":["cy"]}]}"""),
            "/groups/g1/members" => Fx.Json(ctx, """{"members":[{"user":{"id":"1"}},{"user":{"id":"3"}}]}"""),
            "/groups/g2/members" => Fx.Json(ctx, """{"members":[]}"""),
            "/users/ann/groups" => Fx.Json(ctx, """[{"name":"Viewers"}]"""),
            "/users/bob/groups" => Fx.Json(ctx, """[{"name":"Admins"},{"name":"Viewers"}]"""),
            "/users/cy/groups" => Fx.Json(ctx, """[]"""),
            "/memberships" => Fx.Json(ctx, """{"rows":[{"u":"1","g":"g1"},{"u":"2","g":"g2"},{"u":"404","g":"g1"}]}"""),
            _ => Fx.Json(ctx, """{"error":"nope"}""", 404),
        });
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), sink);
        return (srv, sink, r);
    }

    [Fact]
    public async Task AcctToEntMapping_with_string_list_and_entitlement_value_key()
    {
        var import = "{" + Accounts.Replace("}}}}", "}}},\"acctEntMappings\":{\"Group\":{\"listPath\":\"roles\",\"idPath\":\"\",\"keyField\":\"entitlement_value\"}}}", StringComparison.Ordinal)
                     + "," + Groups + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}";
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g1", "3|Group|g2" }, sink.LinkSet);
        Assert.Contains(r.Warnings, w => w.Contains("1 link(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcctToEntMapping_single_valued_field()
    {
        var import = "{" + Accounts.Replace("}}}}", "}}},\"acctEntMappings\":{\"Group\":{\"listPath\":\"\",\"idPath\":\"grp.id\",\"keyField\":\"entitlementID\"}}}", StringComparison.Ordinal)
                     + "," + Groups + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}";
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g2" }, sink.LinkSet);
    }

    [Fact]
    public async Task EntToAcctMapping_members_listed_on_the_entitlement_by_id_and_by_name()
    {
        var groups = Groups.Replace("\"call\":{", "\"acctEntMappings\":{\"listField\":\"members\",\"idPath\":\"value\",\"keyField\":\"accountID\"},\"call\":{", StringComparison.Ordinal);
        var import = "{" + Accounts + "," + groups + ",\"acctEntParams\":{\"processingType\":\"entToAcctMapping\"}}";
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g1", "2|Group|g1" }, sink.LinkSet); // "cy" (a name) does not match keyField accountID

        var byName = Groups.Replace("\"call\":{", "\"acctEntMappings\":{\"listField\":\"members\",\"idPath\":\"\",\"keyField\":\"name\"},\"call\":{", StringComparison.Ordinal);
        var (srv2, sink2, r2) = await Run("{" + Accounts + "," + byName + ",\"acctEntParams\":{\"processingType\":\"entToAcctMapping\"}}");
        await using var __ = srv2;
        Assert.True(r2.IsComplete, r2.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "3|Group|g2" }, sink2.LinkSet);
    }

    [Fact]
    public async Task HttpEntToAcct_one_call_per_entitlement()
    {
        var import = "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"entTypes":{"Group":{"call":{"call1":{"processingType":"httpEntToAcct","http":{"url":"BASE/groups/${id}/members","httpMethod":"GET"},
              "listField":"members","acctIdPath":"user.id","acctKeyField":"accountID","entKeyField":"entitlementID"}}}}}}
            """;
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g1", "3|Group|g1" }, sink.LinkSet);
    }

    [Fact]
    public async Task HttpAcctToEnt_one_call_per_account_keyed_by_name_matching_entitlement_value()
    {
        var import = "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"processingType":"httpAcctToEnt","entTypes":{"Group":{"call":{"call1":{"http":{"url":"BASE/users/${id}/groups","httpMethod":"GET"},
              "listField":"","entIdPath":"name","acctKeyField":"name","entKeyField":"entitlement_value"}}}}}}
            """;
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g2", "2|Group|g1", "2|Group|g2" }, sink.LinkSet);
    }

    [Fact]
    public async Task Http_single_call_returning_all_link_rows()
    {
        var import = "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"entTypes":{"Group":{"call":{"call1":{"processingType":"http","http":{"url":"BASE/memberships","httpMethod":"GET"},
              "listField":"rows","acctIdPath":"u","entIdPath":"g","acctKeyField":"accountID","entKeyField":"entitlementID"}}}}}}
            """;
        var (srv, sink, r) = await Run(import);
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new HashSet<string> { "1|Group|g1", "2|Group|g2" }, sink.LinkSet);
    }

    [Fact]
    public async Task Unknown_processing_type_is_a_configuration_failure()
    {
        var import = "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"entTypes":{"Group":{"call":{"call1":{"processingType":"magic","http":{"url":"BASE/memberships","httpMethod":"GET"},"listField":"rows"}}}}}}
            """;
        var (srv, _, r) = await Run(import);
        await using var _ = srv;
        Assert.False(r.IsComplete);
        Assert.Equal(AdminPortal.Core.Connectors.Import.ImportFailureKind.Configuration, r.Failure!.Kind);
        Assert.Contains("magic", r.Failure.Message);
    }
}
