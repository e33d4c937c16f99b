using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Simulated;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// Every provisioning operation of the five real packages, run unchanged (the zip's own JSON, the ConnectionJSON and
/// placeholders of <see cref="PackageConnectionProfiles"/>) against the package's simulator; each step is checked on
/// the simulator's state.
/// </summary>
public class PackageProvisioningTests
{
    // ------------------------------------------------------------------ Confluent

    [Fact]
    public async Task Confluent_CreateUpdateRemoveServiceAccount_ChangeTheSimulator()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.Confluent);
        var user = User(("username", "svc-billing"), ("customproperty4", "Billing pipeline"));

        var created = await rig.RunAsync(ProvisioningTaskType.CreateAccount, user);
        Assert.True(created.Success, created.Error);
        Assert.StartsWith("sa-", created.AccountId, StringComparison.Ordinal);
        var sa = rig.Sim.State.GetAccount(created.AccountId!)!;
        Assert.Equal("svc-billing", sa.Attributes["display_name"]);
        Assert.Equal("Billing pipeline", sa.Attributes["description"]);
        Assert.Equal("svc-billing", created.AccountProperties["displayName"]);
        Assert.Equal("ServiceAccount", created.AccountProperties["customproperty3"]);

        var account = Account(created.AccountId!, "svc-billing");
        var updated = await rig.RunAsync(ProvisioningTaskType.UpdateAccount, User(("username", "svc-billing"), ("customproperty4", "Billing v2")), account);
        Assert.True(updated.Success, updated.Error);
        Assert.Equal("Billing v2", rig.Sim.State.GetAccount(created.AccountId!)!.Attributes["description"]);
        Assert.Equal("svc-billing", updated.AccountProperties["displayName"]);

        var removed = await rig.RunAsync(ProvisioningTaskType.RemoveAccount, user, account);
        Assert.True(removed.Success, removed.Error);
        Assert.Null(rig.Sim.State.GetAccount(created.AccountId!));

        // the package defines no enable/disable/access JSON
        Assert.True((await rig.RunAsync(ProvisioningTaskType.DisableAccount, user, account)).NotConfigured);
        Assert.True((await rig.RunAsync(ProvisioningTaskType.AddAccess, user, account, "Environment", Ent("env-x"))).NotConfigured);
    }

    [Fact]
    public async Task Confluent_DuplicateDisplayName_FailsWithoutRetry()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.Confluent);
        var existing = rig.Sim.State.GetAccounts().First(a => a.Attributes["kind"] == "ServiceAccount");
        var r = await rig.RunAsync(ProvisioningTaskType.CreateAccount, User(("username", existing.Name), ("customproperty4", "dup")));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Equal("CreateAccountJSON call1: HTTP 409 POST /iam/v2/service-accounts", r.ErrorSignature);
    }

    public static TheoryData<FaultKind, bool, string> TargetFaults => new()
    {
        { FaultKind.TooManyRequests429, true, "HTTP 429 POST /iam/v2/service-accounts" },
        { FaultKind.ServiceUnavailable503, true, "HTTP 503 POST /iam/v2/service-accounts" },
        { FaultKind.InternalError500, true, "HTTP 500 POST /iam/v2/service-accounts" },
        { FaultKind.BadGateway502, true, "HTTP 502 POST /iam/v2/service-accounts" },
        { FaultKind.ConnectionReset, true, "transport error POST /iam/v2/service-accounts" },
        { FaultKind.TruncatedBody, true, "transport error POST /iam/v2/service-accounts" },
        { FaultKind.Conflict409, false, "HTTP 409 POST /iam/v2/service-accounts" },
        { FaultKind.Forbidden403, false, "HTTP 403 POST /iam/v2/service-accounts" },
        { FaultKind.ErrorBodyWith200, false, "HTTP 200 POST /iam/v2/service-accounts (response criteria)" },
        { FaultKind.RedirectToLogin, false, "HTTP 302 POST /iam/v2/service-accounts" },
    };

    [Theory]
    [MemberData(nameof(TargetFaults))]
    public async Task Confluent_CreateAgainstAFaultyTarget_IsClassified(FaultKind fault, bool retryable, string signature)
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.Confluent);
        rig.Sim.Faults.Add(FaultRule.Always(fault, "/iam/v2/service-accounts"));
        var before = rig.Sim.State.AccountCount;
        var r = await rig.RunAsync(ProvisioningTaskType.CreateAccount, User(("username", "svc-faulty"), ("customproperty4", "x")));
        Assert.False(r.Success);
        Assert.Equal(retryable, r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Equal("CreateAccountJSON call1: " + signature, r.ErrorSignature);
        Assert.DoesNotContain(rig.Sim.Credentials["api_secret"], r.Error, StringComparison.Ordinal);
        if (fault is FaultKind.TooManyRequests429 or FaultKind.ServiceUnavailable503) Assert.NotNull(r.RetryAfter);
        Assert.Equal(before, rig.Sim.State.AccountCount);
    }

    [Fact]
    public async Task SapBtp_RejectedToken_IsRefreshed_AndTheGroupCallRetried()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.SapBtp);
        var type = rig.Sim.State.EntitlementTypes.Single();
        var member = rig.Sim.State.GetAccounts().First();
        var group = rig.Sim.State.GetEntitlements(type).First(g => !rig.Sim.State.GetMembershipsOf(member.Id).Any(m => m.EntitlementId == g.Id));
        rig.Sim.Faults.Add(FaultRule.Once(FaultKind.Unauthorized401, "/Groups/*"));
        var r = await rig.RunAsync(ProvisioningTaskType.AddAccess, User(), Account(member.Id, member.Name), type, Ent(group.Id, group.Value));
        Assert.True(r.Success, r.Error);
        Assert.Contains(rig.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == group.Id);
        Assert.Equal(["token call accAuth", "AddAccessJSON.Groups", "token call accAuth", "AddAccessJSON.Groups (retry 1 after token refresh)"], r.Exchanges.Select(e => e.Purpose));
    }

    [Fact]
    public async Task Bynder_QuoteInAName_ArrivesIntact()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.Bynder);
        var profile = rig.Sim.State.GetAccounts()[0].Attributes["profileId"];
        var r = await rig.RunAsync(ProvisioningTaskType.CreateAccount,
            User(("username", "o.neil"), ("email", "oneil@example.com"), ("firstname", "Shaquille \\ \"Shaq\""), ("lastname", "O\"Neil"), ("customproperty4", profile)), password: "P\"w-1");
        Assert.True(r.Success, r.Error);
        var stored = rig.Sim.State.GetAccount(r.AccountId!)!;
        Assert.Equal("Shaquille \\ \"Shaq\" O\"Neil", stored.Attributes["name"]);
    }

    // ------------------------------------------------------------------ SAP BTP

    [Fact]
    public async Task SapBtp_CreateUser_AddRemoveGroup_RemoveUser_ChangeTheSimulator()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.SapBtp);
        var user = User(("customproperty22", "new.hire@example.com"), ("firstname", "New"), ("lastname", "Hire"));

        var created = await rig.RunAsync(ProvisioningTaskType.CreateAccount, user);
        Assert.True(created.Success, created.Error);
        var acct = rig.Sim.State.GetAccount(created.AccountId!)!;
        Assert.Equal("new.hire@example.com", acct.Name);
        Assert.Equal("Hire", acct.Attributes["name.familyName"]);
        Assert.Equal("New", acct.Attributes["name.givenName"]);

        var type = rig.Sim.State.EntitlementTypes.Single();
        var group = rig.Sim.State.GetEntitlements(type).First();
        var account = Account(created.AccountId!, acct.Name);
        var added = await rig.RunAsync(ProvisioningTaskType.AddAccess, user, account, type, Ent(group.Id, group.Value));
        Assert.True(added.Success, added.Error);
        Assert.Contains(rig.Sim.State.GetMembershipsOf(created.AccountId!), m => m.EntitlementId == group.Id);

        var removedAccess = await rig.RunAsync(ProvisioningTaskType.RemoveAccess, user, account, type, Ent(group.Id, group.Value));
        Assert.True(removedAccess.Success, removedAccess.Error);
        Assert.DoesNotContain(rig.Sim.State.GetMembershipsOf(created.AccountId!), m => m.EntitlementId == group.Id);

        var removed = await rig.RunAsync(ProvisioningTaskType.RemoveAccount, user, account);
        Assert.True(removed.Success, removed.Error);
        Assert.Null(rig.Sim.State.GetAccount(created.AccountId!));

        // removing it again: 404 is listed in unsuccessResponses → failure, not retryable
        var again = await rig.RunAsync(ProvisioningTaskType.RemoveAccount, user, account);
        Assert.False(again.Success);
        Assert.False(again.Retryable);
        Assert.Equal("RemoveAccountJSON call1: HTTP 404 DELETE /Users/{}", again.ErrorSignature);
    }

    [Fact]
    public async Task SapBtp_GroupIdWithSpaces_IsEscapedByThePackageExpression()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.SapBtp);
        var type = rig.Sim.State.EntitlementTypes.Single();
        var group = rig.Sim.State.AddEntitlement(type, "Team Leads");
        var member = rig.Sim.State.GetAccounts().First();
        var r = await rig.RunAsync(ProvisioningTaskType.AddAccess, User(), Account(member.Id, member.Name), type, Ent(group.Id, group.Value));
        Assert.True(r.Success, r.Error);
        Assert.Contains(rig.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == group.Id);
    }

    // ------------------------------------------------------------------ inContact

    [Fact]
    public async Task InContact_CreateUpdateEnableDisable_AddRemoveTeam_ChangeTheSimulator()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.InContact);
        var user = User(("firstname", "Ada"), ("middlename", ""), ("lastname", "Lovelace"), ("email", "ada@example.com"), ("username", "ada@example.com"),
            ("customproperty20", "ada-01"), ("country", "UK"), ("state", "London"), ("city", "London"));

        var created = await rig.RunAsync(ProvisioningTaskType.CreateAccount, user);
        Assert.True(created.Success, created.Error);
        var id = created.AccountId!;
        var agent = rig.Sim.State.GetAccount(id)!;
        Assert.Equal("ada@example.com", agent.Name);
        Assert.Equal("Lovelace", agent.Attributes["lastName"]);

        var account = Account(id, agent.Name);
        var updated = await rig.RunAsync(ProvisioningTaskType.UpdateAccount, User(("firstname", "Augusta"), ("lastname", "King"), ("email", "ada@example.com"), ("username", "ada@example.com"), ("customproperty20", "ada-01")), account);
        Assert.True(updated.Success, updated.Error);
        Assert.Equal("Augusta", rig.Sim.State.GetAccount(id)!.Attributes["firstName"]);
        Assert.Equal("King", rig.Sim.State.GetAccount(id)!.Attributes["lastName"]);

        var disabled = await rig.RunAsync(ProvisioningTaskType.DisableAccount, user, account);
        Assert.True(disabled.Success, disabled.Error);
        Assert.False(rig.Sim.State.GetAccount(id)!.Active);
        var enabled = await rig.RunAsync(ProvisioningTaskType.EnableAccount, user, account);
        Assert.True(enabled.Success, enabled.Error);
        Assert.True(rig.Sim.State.GetAccount(id)!.Active);

        var current = rig.Sim.State.GetMembershipsOf(id).Select(m => m.EntitlementId).ToHashSet();
        var team = rig.Sim.State.GetEntitlements("Teams").First(t => !current.Contains(t.Id));
        var added = await rig.RunAsync(ProvisioningTaskType.AddAccess, user, account, "Teams", Ent(team.Id, team.Value));
        Assert.True(added.Success, added.Error);
        Assert.Contains(rig.Sim.State.GetMembershipsOf(id), m => m.EntitlementId == team.Id);

        var removed = await rig.RunAsync(ProvisioningTaskType.RemoveAccess, user, account, "Teams", Ent(team.Id, team.Value));
        Assert.True(removed.Success, removed.Error);
        Assert.DoesNotContain(rig.Sim.State.GetMembershipsOf(id), m => m.EntitlementId == team.Id);
    }

    [Fact]
    public async Task InContact_StrictCreateWithoutTeam_IsReportedAsFailure_AndNothingIsCreated()
    {
        // strict mode answers the package's create (no teamId/profileId/timeZone) with 206 and a per-item error
        await using var rig = await Rig.StartAsync(SimulatedSystem.InContact, o => o.Strict = true);
        var before = rig.Sim.State.AccountCount;
        var r = await rig.RunAsync(ProvisioningTaskType.CreateAccount, User(("firstname", "A"), ("lastname", "B"), ("email", "ab@example.com"), ("username", "ab@example.com")));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Null(r.AccountId);
        Assert.Contains("Missing required field(s)", r.Error, StringComparison.Ordinal);
        Assert.Equal("CreateAccountJSON call1: HTTP 206 POST /agents (response criteria)", r.ErrorSignature);
        Assert.Equal(before, rig.Sim.State.AccountCount);
    }

    // ------------------------------------------------------------------ Signal Sciences

    [Fact]
    public async Task SignalSciences_CreateUpdate_AddRemoveSite_Remove_ChangeTheSimulator()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.SignalSciences);
        var user = User(("email", "grace@example.com"), ("customproperty4", "user"));

        var created = await rig.RunAsync(ProvisioningTaskType.CreateAccount, user);
        Assert.True(created.Success, created.Error);
        Assert.Equal("grace@example.com", created.AccountId);
        var u = rig.Sim.State.GetAccount("grace@example.com")!;
        Assert.Equal("user", u.Attributes["role"]);
        Assert.Contains(rig.Sim.State.GetMembershipsOf("grace@example.com"), m => m.EntitlementId == "staging");
        Assert.Equal(u.Name, created.AccountProperties["name"]);

        var account = Account("grace@example.com", u.Name);
        var updated = await rig.RunAsync(ProvisioningTaskType.UpdateAccount, User(("email", "grace@example.com"), ("customproperty4", "observer")), account);
        Assert.True(updated.Success, updated.Error);
        Assert.Equal("observer", rig.Sim.State.GetAccount("grace@example.com")!.Attributes["role"]);

        var site = rig.Sim.State.GetEntitlements("Site").First(s => s.Id != "staging");
        var added = await rig.RunAsync(ProvisioningTaskType.AddAccess, user, account, "Site", Ent(site.Id, site.Value));
        Assert.True(added.Success, added.Error);
        Assert.Contains(rig.Sim.State.GetMembershipsOf("grace@example.com"), m => m.EntitlementId == site.Id);

        var removedAccess = await rig.RunAsync(ProvisioningTaskType.RemoveAccess, user, account, "Site", Ent(site.Id, site.Value));
        Assert.True(removedAccess.Success, removedAccess.Error);
        Assert.DoesNotContain(rig.Sim.State.GetMembershipsOf("grace@example.com"), m => m.EntitlementId == site.Id);

        var removed = await rig.RunAsync(ProvisioningTaskType.RemoveAccount, user, account);
        Assert.True(removed.Success, removed.Error);
        Assert.Null(rig.Sim.State.GetAccount("grace@example.com"));
    }

    // ------------------------------------------------------------------ Bynder

    [Fact]
    public async Task Bynder_CreateUpdateEnableDisableRemove_ChangeTheSimulator()
    {
        // The API documents 202 for a modify, which the package's successResponses (200/201) reject; see the next test.
        await using var rig = await Rig.StartAsync(SimulatedSystem.Bynder, o => o.BynderModifyStatus = 200);
        var profiles = rig.Sim.State.GetAccounts().Select(a => a.Attributes["profileId"]).Distinct().ToList();
        var user = User(("username", "lin.b"), ("email", "lin@example.com"), ("firstname", "Lin"), ("lastname", "B"), ("customproperty4", profiles[0]));

        var created = await rig.RunAsync(ProvisioningTaskType.CreateAccount, user, password: "Initial-Pass-1");
        Assert.True(created.Success, created.Error);
        var id = created.AccountId!;
        Assert.Equal("lin.b", rig.Sim.State.GetAccount(id)!.Name);
        Assert.Equal("lin.b", created.AccountProperties["name"]);
        Assert.DoesNotContain("Initial-Pass-1", Newtonsoft.Json.JsonConvert.SerializeObject(created.Exchanges), StringComparison.Ordinal);

        var account = Account(id, "lin.b");
        var other = profiles.Count > 1 ? profiles[1] : profiles[0];
        var updated = await rig.RunAsync(ProvisioningTaskType.UpdateAccount, User(("username", "lin.b"), ("email", "lin.new@example.com"), ("firstname", "Lin"), ("lastname", "B"), ("customproperty4", other)), account);
        Assert.True(updated.Success, updated.Error);
        Assert.Equal("lin.new@example.com", rig.Sim.State.GetAccount(id)!.Attributes["email"]);
        Assert.Equal(other, rig.Sim.State.GetAccount(id)!.Attributes["profileId"]);

        var disabled = await rig.RunAsync(ProvisioningTaskType.DisableAccount, user, account);
        Assert.True(disabled.Success, disabled.Error);
        Assert.False(rig.Sim.State.GetAccount(id)!.Active);
        var enabled = await rig.RunAsync(ProvisioningTaskType.EnableAccount, user, account);
        Assert.True(enabled.Success, enabled.Error);
        Assert.True(rig.Sim.State.GetAccount(id)!.Active);

        var removed = await rig.RunAsync(ProvisioningTaskType.RemoveAccount, user, account);
        Assert.True(removed.Success, removed.Error);
        Assert.Null(rig.Sim.State.GetAccount(id));
    }

    [Fact]
    public async Task Bynder_DocumentedModifyStatus202_IsReportedAsFailure_ByThePackagesCriteria()
    {
        await using var rig = await Rig.StartAsync(SimulatedSystem.Bynder);
        var target = rig.Sim.State.GetAccounts().First(a => a.Active);
        var r = await rig.RunAsync(ProvisioningTaskType.DisableAccount, User(), Account(target.Id, target.Name));
        // the target applied the change, but the package only accepts 200/201: the task must not report success
        Assert.False(rig.Sim.State.GetAccount(target.Id)!.Active);
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.Equal("DisableAccountJSON call1: HTTP 202 POST /api/v4/users (response criteria)", r.ErrorSignature);
    }

    // ------------------------------------------------------------------ helpers

    private static Dictionary<string, object?> User(params (string Key, object? Value)[] kv) => kv.ToDictionary(x => x.Key, x => x.Value);

    private static Dictionary<string, object?> Account(string id, string name) => new() { ["accountID"] = id, ["name"] = name };

    private static Dictionary<string, object?> Ent(string id, string? value = null) => new() { ["entitlementID"] = id, ["entitlement_value"] = value ?? id };

    /// <summary>A simulator plus the package's connection configured for it, and an engine pointed at it.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private long _task;

        private Rig(RunningSimulator sim, ConnectorConnection connection, ConnectorEngine engine)
        {
            Sim = sim;
            Connection = connection;
            Engine = engine;
        }

        public RunningSimulator Sim { get; }
        public ConnectorConnection Connection { get; }
        public ConnectorEngine Engine { get; }

        public static async Task<Rig> StartAsync(SimulatedSystem system, Action<SimulatorOptions>? configure = null)
        {
            var options = new SimulatorOptions { Seed = 11, Accounts = 20, EntitlementsPerType = 5, LinksPerAccount = 1 };
            configure?.Invoke(options);
            var sim = await SimulatorHost.StartAsync(system, options);
            var profile = PackageConnectionProfiles.For(sim);
            var folder = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt");
            await using var zip = File.OpenRead(Path.Combine(folder, profile.PackageFile));
            var package = TransportPackageReader.Read(zip, profile.PackageFile);
            var conn = package.Connections.Single(c => c.Name == profile.ConnectionName);
            var attributes = conn.Attributes
                .Where(a => a.Name != PackagedAttribute.ConnectionJsonName && !a.EncryptedElsewhere && !a.IsEmpty)
                .ToDictionary(a => a.Name, a => a.Value);
            attributes[PackagedAttribute.ConnectionJsonName] = profile.ConnectionJson;
            var connection = ConnectorConnection.FromAttributes(attributes, profile.Placeholders, profile.ConnectionName);
            var client = new HttpClient(new ResilienceHandler(
                new ResilienceSettings { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50), BreakerMinimumThroughput = 1000 },
                new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }));
            var engine = new ConnectorEngine(new ConnectorEngineOptions
            {
                HttpClientFactory = () => client,
                BaseUrl = profile.BaseUrl,
                UrlRewrites = profile.UrlRewrites.Select(r => new UrlRewrite(r.Key, r.Value)).ToList(),
            });
            return new Rig(sim, connection, engine);
        }

        public Task<ProvisioningResult> RunAsync(ProvisioningTaskType op, IReadOnlyDictionary<string, object?> user, IReadOnlyDictionary<string, object?>? account = null,
            string? entType = null, IReadOnlyDictionary<string, object?>? ent = null, string? password = null)
            => Engine.RunProvisioningAsync(Connection, new ProvisioningRequest
            {
                Operation = op,
                TaskId = Interlocked.Increment(ref _task),
                User = user,
                Account = account,
                EntitlementTypeName = entType,
                EntitlementValue = ent,
                Password = password,
                Endpoint = new Dictionary<string, object?> { ["endpointname"] = Sim.System + "-ep" },
            });

        public ValueTask DisposeAsync() => Sim.DisposeAsync();
    }
}
