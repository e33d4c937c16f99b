using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// The simulator fault kinds ImportSafetyTests does not already cover (docs/reliability.md has the full table):
/// 409, 429 without Retry-After, latency, 429/502/503 on the first and last page, 401 on the first page and a
/// 401 that never ends. One portal, one simulator and one endpoint for all cases: each case adds its fault,
/// runs the real import pipeline, and either fails with the repository unchanged (dump compare) or recovers
/// with exactly the target's accounts.
/// </summary>
public sealed class ImportFaultGapTests(ImportFaultGapTests.Fixture fixture) : IClassFixture<ImportFaultGapTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();
        public RunningSimulator Sim { get; private set; } = default!;
        public string Endpoint { get; private set; } = "";
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public async Task InitializeAsync()
        {
            // 1,200 users: three /Users pages at the package's page size, so first, middle and last differ.
            Sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 31, Accounts = 1200, EntitlementsPerType = 3, LinksPerAccount = 1 });
            var harness = new ImportHarness(Factory);
            Endpoint = await harness.SetUpAsync(Sim, "-faults");
            var first = await harness.RunAsync(Endpoint);
            if (first.Status != JobRunStatus.Succeeded) throw new InvalidOperationException(first.Error);
        }

        public async Task DisposeAsync()
        {
            await Sim.DisposeAsync();
            Factory.Dispose();
        }
    }

    public enum Outcome { Fails, Recovers }

    public static TheoryData<FaultKind, int, Outcome> Cases() => new()
    {
        { FaultKind.Conflict409, 1, Outcome.Fails },
        { FaultKind.Conflict409, 2, Outcome.Fails },
        { FaultKind.Conflict409, 3, Outcome.Fails },
        { FaultKind.TooManyRequests429, 1, Outcome.Recovers },
        { FaultKind.TooManyRequests429, 3, Outcome.Recovers },
        { FaultKind.TooManyRequests429NoRetryAfter, 1, Outcome.Recovers },
        { FaultKind.TooManyRequests429NoRetryAfter, 2, Outcome.Recovers },
        { FaultKind.TooManyRequests429NoRetryAfter, 3, Outcome.Recovers },
        { FaultKind.BadGateway502, 1, Outcome.Recovers },
        { FaultKind.BadGateway502, 3, Outcome.Recovers },
        { FaultKind.ServiceUnavailable503, 1, Outcome.Recovers },
        { FaultKind.ServiceUnavailable503, 3, Outcome.Recovers },
        { FaultKind.Latency, 1, Outcome.Recovers },
        { FaultKind.Latency, 2, Outcome.Recovers },
        { FaultKind.Latency, 3, Outcome.Recovers },
        { FaultKind.Unauthorized401, 1, Outcome.Recovers },
        { FaultKind.Unauthorized401, 3, Outcome.Recovers },
    };

    private async Task<string> RepositoryDumpAsync()
    {
        await using var db = fixture.Factory.CreateDbContext();
        var sb = new StringBuilder();
        foreach (var a in await db.Accounts.AsNoTracking().OrderBy(a => a.Id).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(a));
        foreach (var v in await db.EntitlementValues.AsNoTracking().OrderBy(v => v.Id).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(v));
        foreach (var l in await db.AccountEntitlements.AsNoTracking().OrderBy(l => l.AccountId).ThenBy(l => l.EntitlementValueId).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(l));
        return sb.ToString();
    }

    private async Task<JobRun> RunWithAsync(params FaultRule[] rules)
    {
        fixture.Sim.Faults.Clear();
        foreach (var rule in rules) fixture.Sim.Faults.Add(rule);
        try
        {
            return await new ImportHarness(fixture.Factory).RunAsync(fixture.Endpoint, timeout: TimeSpan.FromSeconds(90));
        }
        finally
        {
            fixture.Sim.Faults.Clear();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Fault_OnFirstMiddleOrLastPage_FailsUnchangedOrRecoversExactly(FaultKind kind, int call, Outcome expected)
    {
        await fixture.Gate.WaitAsync();
        try
        {
            var before = await RepositoryDumpAsync();
            var run = await RunWithAsync(FaultRule.OnCall(kind, call, "/Users"));
            if (expected == Outcome.Fails)
            {
                Assert.True(run.Status == JobRunStatus.Failed, $"{kind} on call {call}: {run.Status} {run.Error}");
                Assert.Contains("nothing was changed", run.Error);
                Assert.Equal(before, await RepositoryDumpAsync());
                return;
            }

            Assert.True(run.Status == JobRunStatus.Succeeded, $"{kind} on call {call}: {run.Status} {run.Error}");
            var stored = (await new ImportHarness(fixture.Factory).ReadAsync(fixture.Endpoint)).Accounts
                .Where(a => a.Status != AccountStatus.SuspendedFromImport).Select(a => (a.Id, a.Name)).Order().ToList();
            Assert.Equal(fixture.Sim.State.GetAccounts().Select(a => (a.Id, a.Name)).Order().ToList(), stored);
        }
        finally
        {
            fixture.Gate.Release();
        }
    }

    [Fact]
    public async Task Unauthorized401_ThatNeverEnds_FailsAsAuthenticationWithTheRepositoryUnchanged()
    {
        await fixture.Gate.WaitAsync();
        try
        {
            var before = await RepositoryDumpAsync();
            var run = await RunWithAsync(FaultRule.Always(FaultKind.Unauthorized401, "/Users"));
            Assert.True(run.Status == JobRunStatus.Failed, $"{run.Status} {run.Error}");
            Assert.Contains("nothing was changed", run.Error);
            Assert.Contains("401", run.Error);
            Assert.Equal(before, await RepositoryDumpAsync());
        }
        finally
        {
            fixture.Gate.Release();
        }
    }
}
