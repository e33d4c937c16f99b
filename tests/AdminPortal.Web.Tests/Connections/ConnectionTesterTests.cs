using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Connections;

public class ConnectionTesterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);

    [Fact]
    public async Task Test_TokenProfileAgainstSimulator_SucceedsShowsRedactedExchangeAndStoresTheToken()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.InContact, new SimulatorOptions { Seed = 3, Accounts = 3 });
        await harness.SetUpAsync(sim);
        var profile = PackageConnectionProfiles.For(sim);
        var secrets = SecretMasker.SecretValues(profile.ConnectionJson).Where(s => s.Length >= 4).ToList();
        Assert.NotEmpty(secrets);

        var result = await harness.Service<ConnectionTester>().TestAsync(profile.ConnectionName, null, "tests");

        Assert.True(result.Success, result.Message);
        Assert.Equal("acctAuth", result.ProfileName);
        var exchange = Assert.Single(result.Exchanges);
        Assert.Equal(200, exchange.StatusCode);
        var recorded = string.Join("\n", exchange.Url, exchange.RequestBody, exchange.ResponseBody,
            string.Join("\n", exchange.RequestHeaders.Concat(exchange.ResponseHeaders).Select(h => $"{h.Key}: {h.Value}")));
        foreach (var secret in secrets) Assert.DoesNotContain(secret, recorded);
        var stored = await harness.Service<ConnectionService>().GetDecryptedAsync(profile.ConnectionName);
        var token = (string?)JObject.Parse(stored!.Attribute(ConnectionAttributeNames.ConnectionJson)!.Value!)["authentications"]!["acctAuth"]!["accessToken"];
        Assert.StartsWith("Bearer ", token);
        Assert.DoesNotContain(token!["Bearer ".Length..], recorded);
    }

    [Fact]
    public async Task Test_ConnectionJsonNeedsEntry_RefusedWithoutAnyCall()
    {
        var connections = harness.Service<ConnectionService>();
        Assert.Empty(await connections.CreateAsync(new ConnectionDetails("Tester NeedsEntry", null), "tests"));
        await using (var db = factory.CreateDbContext())
        {
            var c = db.Connections.Single(x => x.Name == "Tester NeedsEntry");
            c.ConnectionJsonNeedsEntry = true;
            await db.SaveChangesAsync();
        }

        var result = await harness.Service<ConnectionTester>().TestAsync("Tester NeedsEntry", null, "tests");

        Assert.False(result.Success);
        Assert.Contains("ConnectionJSON needs entry", result.Message);
        Assert.Empty(result.Exchanges);
    }
}
