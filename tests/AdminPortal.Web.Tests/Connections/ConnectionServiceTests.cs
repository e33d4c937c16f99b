using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Connections;

/// <summary>The service calls behind the connection pages.</summary>
public class ConnectionServiceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string Secret = "t0p-s3cret-pass";
    private static readonly string ConnectionJson = "{\n  \"authentications\": {\n    \"acctAuth\": {\n      \"authType\": \"Basic\",\n      \"properties\": { \"userName\": \"svc\", \"password\": \"" + Secret + "\" }\n    }\n  }\n}";

    private ConnectionService Service => factory.Services.GetRequiredService<ConnectionService>();

    private async Task CreateWithConnectionJsonAsync(string name)
    {
        Assert.Empty(await Service.CreateAsync(new ConnectionDetails(name, "d"), "tests"));
        Assert.True((await Service.SaveAttributeAsync(name, ConnectionAttributeNames.ConnectionJson, ConnectionJson, "tests")).Saved);
    }

    [Fact]
    public async Task SaveEdited_MaskedDocumentAsShownInTheEditor_KeepsTheSecret()
    {
        await CreateWithConnectionJsonAsync("Svc Masked");
        var shown = SecretMasker.MaskSecrets(ConnectionJson).Text;
        Assert.DoesNotContain(Secret, shown);

        var result = await Service.SaveEditedAttributeAsync("Svc Masked", ConnectionAttributeNames.ConnectionJson, shown.Replace("\"svc\"", "\"svc2\""), "tests");

        Assert.True(result.Saved, result.Error);
        var stored = (await Service.GetDecryptedAsync("Svc Masked"))!.Attribute(ConnectionAttributeNames.ConnectionJson)!.Value!;
        Assert.Equal(Secret, (string?)JObject.Parse(stored)["authentications"]!["acctAuth"]!["properties"]!["password"]);
        Assert.Equal("svc2", (string?)JObject.Parse(stored)["authentications"]!["acctAuth"]!["properties"]!["userName"]);
    }

    [Fact]
    public async Task SaveEdited_SyntaxError_RefusedWithAttributeLineAndPosition_NothingWritten()
    {
        await CreateWithConnectionJsonAsync("Svc Syntax");
        var versions = (await Service.HistoryAsync("Svc Syntax", ConnectionAttributeNames.ConnectionJson)).Count;

        var result = await Service.SaveEditedAttributeAsync("Svc Syntax", ConnectionAttributeNames.ConnectionJson, "{\n  \"authentications\": {\n    \"a\": 1,,\n  }\n}", "tests");

        Assert.False(result.Saved);
        Assert.Matches(@"^ConnectionJSON: .*\(line 3, position \d+\)\.$", result.Error);
        Assert.Equal(versions, (await Service.HistoryAsync("Svc Syntax", ConnectionAttributeNames.ConnectionJson)).Count);
    }

    [Fact]
    public async Task Reveal_AnswersTheClearValueAndAuditsWhoAndWhichAttribute()
    {
        await CreateWithConnectionJsonAsync("Svc Reveal");

        var value = await Service.RevealAsync("Svc Reveal", ConnectionAttributeNames.ConnectionJson, "alice");

        Assert.Contains(Secret, value);
        await using var db = factory.CreateDbContext();
        var audit = await db.AuditEvents.Where(e => e.Action == "connection.secret.reveal" && e.TargetName == "Svc Reveal").SingleAsync();
        Assert.Equal("alice", audit.Actor);
        Assert.StartsWith("ConnectionJSON:", audit.Details);
        Assert.DoesNotContain(Secret, audit.Details);
    }

    [Fact]
    public async Task Clone_CopiesDetailsAndAttributesWithACloneVersion()
    {
        await CreateWithConnectionJsonAsync("Svc Source");

        Assert.Null(await Service.CloneAsync("Svc Source", "Svc Clone", "tests"));

        var clone = (await Service.GetDecryptedAsync("Svc Clone"))!;
        Assert.Equal("d", clone.Description);
        Assert.Equal(ConnectionJson, clone.Attribute(ConnectionAttributeNames.ConnectionJson)!.Value);
        Assert.Equal("clone", Assert.Single(await Service.HistoryAsync("Svc Clone", ConnectionAttributeNames.ConnectionJson)).Source);
        Assert.Equal("A connection named 'Svc Clone' exists already.", await Service.CloneAsync("Svc Source", "Svc Clone", "tests"));
    }

    [Fact]
    public async Task Create_InvalidOrDuplicateName_FieldErrors()
    {
        Assert.Empty(await Service.CreateAsync(new ConnectionDetails("Svc Dup", null), "tests"));

        Assert.Equal("A connection named 'Svc Dup' exists already.", (await Service.CreateAsync(new ConnectionDetails("Svc Dup", null), "tests"))["Name"]);
        Assert.Contains("may not contain", (await Service.CreateAsync(new ConnectionDetails("a/b", null), "tests"))["Name"]);
        Assert.Equal("Name is required.", (await Service.CreateAsync(new ConnectionDetails(" ", null), "tests"))["Name"]);
    }

    [Fact]
    public async Task UpdateDetails_Rename_KeepsAttributes()
    {
        await CreateWithConnectionJsonAsync("Svc Old");

        Assert.Empty(await Service.UpdateDetailsAsync("Svc Old", new ConnectionDetails("Svc New", "new description", "REST", SavRoles.EndUser), "tests"));

        Assert.Null(await Service.GetDecryptedAsync("Svc Old"));
        var renamed = (await Service.GetDecryptedAsync("Svc New"))!;
        Assert.Equal(SavRoles.EndUser, renamed.DefaultSavRole);
        Assert.NotNull(renamed.Attribute(ConnectionAttributeNames.ConnectionJson));
    }
}
