using AdminPortal.Benchmarks;
using AdminPortal.Web.Features.Simulated;

namespace AdminPortal.Web.Tests.Benchmarks;

/// <summary>Keeps the benchmark harness working (issue [6/7]): 10k accounts, counts checked, speed not asserted.</summary>
public class BenchmarkSmokeTests
{
    [Fact]
    public async Task Harness_TenThousandAccounts_EveryScenarioRunsWithExactCounts()
    {
        var packages = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory)!;
        var output = new StringWriter();

        // The runner itself throws when a count is wrong (accounts read, unchanged re-import, 1 % churn).
        var figures = await new BenchmarkRunner(packages, output).RunAsync(10_000, includeQueries: true);

        Assert.Equal(
            ["baseline: same pages → SQLite", "full import, empty endpoint", "download only: same pages, discarded", "re-import, nothing changed", "re-import, 1 % added/removed/changed", "grid query p95 (status + customproperty11, by name, page 1)"],
            figures.Select(f => f.Scenario));
        Assert.Contains("10000 accounts, 50 entitlements, 50000 links", figures[0].Notes);
        Assert.Contains("added 100, changed 100, unchanged 9800, suspended 100", figures[4].Notes);
        // The grid figure is the portal's own call (ADR-019), with its count as the grid shows it: exact below the cap at this size.
        Assert.Matches(@"20 rows; count [\d,]+, exact: RepositoryService\.AccountsAsync", figures[5].Notes);
        // The download-only floor keeps nothing, so it has no memory figure.
        Assert.All(figures, f => Assert.True(f.Seconds > 0 && (f.PeakWorkingSetBytes > 0 || f.Scenario.StartsWith("download only", StringComparison.Ordinal))));
        Assert.Contains("full import, empty endpoint", output.ToString());
    }

    [Fact]
    public async Task ProvisioningHarness_HundredTasks_AllCompletedOnTheTarget_InstantLatencyMeasured()
    {
        var packages = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory)!;

        // The benchmark itself throws when a task did not complete or the target misses an account.
        var figures = await new ProvisioningBenchmark(packages, new StringWriter()).RunAsync(100, latencySamples: 5);

        Assert.Equal(["provisioning baseline: same creates, bare HttpClient", "provisioning: CreateAccount tasks through WSRETRY", "instant provisioning: approval → account on the target, p95"],
            figures.Select(f => f.Scenario));
        Assert.StartsWith("100 completed", figures[1].Notes, StringComparison.Ordinal);
        Assert.All(figures, f => Assert.True(f.Seconds > 0));
    }
}
