using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// Which parts of a list record a call reads (ResponseProjectionPlanner): the SAP package's shape keeps five properties,
/// and the items of its `groups` and `emails` arrays keep only `value`; anything read whole stays whole.
/// </summary>
public class ResponseProjectionPlannerTests
{
    private static (ImportCall Call, IReadOnlyList<MembershipMapping> Memberships) Accounts(string extraColumn = "", string idPath = "value") =>
        ImportConfig.Parse("""
            {"accountParams":{"connection":"acctAuth","call":{"call1":{"callOrder":"0","stageNumber":"0",
              "http":{"url":"https://x.test/Users","httpMethod":"GET"},
              "listField":"resources","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id~#~char","name":"userName~#~char","customproperty8":"emails.value~#~char",
                                "customproperty11":"active~#~char","customproperty31":"STORE#ACC#ENT#MAPPINGINFO~#~char"@@extra@@}}},
              "acctEntMappings":{"Groups":{"listPath":"groups","idPath":"@@id@@","keyField":"entitlementID"}}}}
            """.Replace("@@extra@@", extraColumn).Replace("@@id@@", idPath)) is { Accounts: { } a } ? (a.Calls[0], a.AcctEntMappings) : throw new InvalidOperationException();

    [Fact]
    public void Membership_list_items_and_dotted_columns_keep_only_the_keys_read()
    {
        var (call, memberships) = Accounts();
        var p = ResponseProjectionPlanner.For(call, memberships)!;

        Assert.Equal(["active", "emails", "emails.value", "groups", "id", "userName"], p.RecordProperties.Order(StringComparer.Ordinal));
        Assert.Equal(["emails", "groups"], p.NestedProperties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["value"], p.NestedProperties["groups"]);
        Assert.Equal(["value"], p.NestedProperties["emails"]);
    }

    [Theory]
    [InlineData(",\"customproperty4\":\"groups~#~char\"", "value")] // the whole list is also a column
    [InlineData("", "")]                                           // an empty idPath reads the items themselves
    [InlineData(",\"customproperty4\":\"groups.0~#~char\"", "value")] // an index step
    public void A_list_read_whole_is_not_pruned(string extraColumn, string idPath)
    {
        var (call, memberships) = Accounts(extraColumn, idPath);
        var p = ResponseProjectionPlanner.For(call, memberships)!;

        Assert.Contains("groups", p.RecordProperties);
        Assert.False(p.NestedProperties.ContainsKey("groups"));
        Assert.Equal(["value"], p.NestedProperties["emails"]);
    }

    [Fact]
    public void A_second_key_of_the_items_is_kept_beside_the_id()
    {
        var (call, memberships) = Accounts(",\"customproperty5\":\"groups.display~#~char\"");
        Assert.Equal(["display", "value"], ResponseProjectionPlanner.For(call, memberships)!.NestedProperties["groups"].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_template_column_turns_the_projection_off()
    {
        var (call, memberships) = Accounts(",\"customproperty3\":\"${userName}\"");
        Assert.Null(ResponseProjectionPlanner.For(call, memberships));
    }
}
