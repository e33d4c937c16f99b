using System.Text;
using AdminPortal.Web.Features.Users;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Users;

public class UserCsvImporterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private UserCsvImporter Importer => factory.Services.GetRequiredService<UserCsvImporter>();

    private static MemoryStream Csv(string text, bool bom = false) =>
        new((bom ? Encoding.UTF8.GetPreamble() : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray());

    [Fact]
    public async Task Import_GoodAndBadRows_StoresGoodRowsAndReportsBadOnesWithRowNumbers()
    {
        var csv = """
                  username,firstname,lastname,email,manager,status,customproperty1
                  csv.mgr,Mara,Manager,mara@example.test,,active,cost-1
                  csv.ann,Ann,One,ann@example.test,csv.mgr,active,cost-2
                  csv.bad1,Bad,Email,not-an-email,,active,
                  csv.bob,Bob,Two,bob@example.test,csv.mgr,inactive,
                  csv.bad2,Bad,Manager,bad2@example.test,nobody,active,
                  """;
        var result = await Importer.ImportAsync(Csv(csv), "test");

        Assert.Null(result.FileError);
        Assert.Equal(3, result.Created);
        Assert.Collection(result.Errors,
            e => { Assert.Equal(4, e.Row); Assert.Contains("email", e.Reason); },
            e => { Assert.Equal(6, e.Row); Assert.Contains("manager 'nobody'", e.Reason); });
        await using var db = factory.CreateDbContext();
        var ann = await db.Users.Include(u => u.Manager).SingleAsync(u => u.Username == "csv.ann");
        Assert.Equal("csv.mgr", ann.Manager!.Username);
        Assert.Equal("cost-2", ann.CustomProperty1);
        Assert.False(await db.Users.AnyAsync(u => u.Username == "csv.bad1" || u.Username == "csv.bad2"));
    }

    [Fact]
    public async Task Import_UnknownColumn_RejectsTheFileAndWritesNothing()
    {
        await using var before = factory.CreateDbContext();
        var count = await before.Users.CountAsync();
        var result = await Importer.ImportAsync(Csv("username,firstname,favouritecolour\nzed,Zed,blue\n"), "test");
        Assert.Contains("'favouritecolour'", result.FileError);
        await using var after = factory.CreateDbContext();
        Assert.Equal(count, await after.Users.CountAsync());
    }

    [Fact]
    public async Task Import_BomQuotesAndScriptText_AreHandled()
    {
        var csv = "username,firstname,lastname\n\"csv.quote\",\"O'Brien, \"\"Pat\"\"\",<script>alert(1)</script>\n";
        var result = await Importer.ImportAsync(Csv(csv, bom: true), "test");
        Assert.Null(result.FileError);
        Assert.Empty(result.Errors);
        await using var db = factory.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Username == "csv.quote");
        Assert.Equal("O'Brien, \"Pat\"", user.FirstName);
        Assert.Equal("<script>alert(1)</script>", user.LastName);
    }

    [Fact]
    public async Task Import_DuplicateAndTooManyFields_AreRowErrors()
    {
        var csv = "username,firstname\ncsv.dup,A\ncsv.dup,B\ncsv.wide,A,extra\n";
        var result = await Importer.ImportAsync(Csv(csv), "test");
        Assert.Collection(result.Errors,
            e => { Assert.Equal(3, e.Row); Assert.Contains("more than once", e.Reason); },
            e => { Assert.Equal(4, e.Row); Assert.Contains("3 fields", e.Reason); });
    }
}
