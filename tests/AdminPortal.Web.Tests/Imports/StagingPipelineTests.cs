using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Imports;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// StagingPipeline (ADR-020): the staging file written on a thread of its own gives what writing inline gives, in the
/// same order; a failed write fails the next hand-over or drain instead of being lost, and never leaves the reader waiting.
/// </summary>
public sealed class StagingPipelineTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("staging-pipeline-").FullName;
    private readonly SqliteConnection main;

    public StagingPipelineTests() => main = new SqliteConnection($"Data Source={Path.Combine(folder, "portal.db")}");

    private static StagedAccount Account(string id, string name, int customCount = Core.Domain.Account.CustomPropertyCount) =>
        new() { AccountId = id, Name = name, Custom = new string?[customCount], Hash = id + name, Status = (int)AccountStatus.Active };

    /// <summary>Many batches' worth of accounts, each followed by memberships read from its own record, then the entitlements.</summary>
    private static async Task FeedAsync(Func<StagedAccount, Task> account, Func<string, string, Task> link, Func<string, string, Task> entitlement, int accounts)
    {
        for (var i = 0; i < accounts; i++)
        {
            await account(Account($"id{i}", $"user{i}"));
            for (var g = 0; g < 3; g++) await link($"id{i}", $"g{(i + g) % 7}");
        }

        await link("id-unknown", "g1");
        for (var g = 0; g < 7; g++) await entitlement($"g{g}", $"Group {g}");
    }

    [Fact]
    public async Task Pipelined_GivesTheSameStagingFileAsInline_InOrder()
    {
        const int accounts = 3 * StagingPipeline.BatchSize * StagingPipeline.BatchesInFlight;
        StagedLinkResolution inline, piped;
        using (var staging = SqliteImportStaging.Create(main, 1, Core.Domain.Account.CustomPropertyCount))
        {
            await FeedAsync(a => { staging.AddAccount(a); return Task.CompletedTask; },
                (a, e) => { staging.AddLink(a, false, "Group", e, false); return Task.CompletedTask; },
                (e, v) => { staging.AddEntitlement("Group", e, v); return Task.CompletedTask; }, accounts);
            inline = staging.ResolveLinks();
        }

        using (var staging = SqliteImportStaging.Create(main, 2, Core.Domain.Account.CustomPropertyCount))
        {
            using var pipeline = new StagingPipeline(staging);
            await FeedAsync(a => pipeline.AddAccountAsync(a, default).AsTask(),
                (a, e) => pipeline.AddLinkAsync(a, false, "Group", e, false, default).AsTask(),
                (e, v) => pipeline.AddEntitlementAsync("Group", e, v, default).AsTask(), accounts);
            await pipeline.DrainAsync();
            Assert.Equal(accounts, staging.Accounts);
            Assert.Equal(3L * accounts + 1, staging.Links);
            piped = staging.ResolveLinks();
        }

        Assert.Equal(3L * accounts, piped.Linked);
        Assert.Equal((inline.Linked, inline.Unresolved, inline.DroppedDuplicateAccounts), (piped.Linked, piped.Unresolved, piped.DroppedDuplicateAccounts));
        Assert.Equal(1, piped.Unresolved);
    }

    [Fact]
    public async Task AFailedWrite_FailsTheNextDrainWithItsMessage_AndTheReaderNeverWaitsOnAFullQueue()
    {
        using var staging = SqliteImportStaging.Create(main, 3, Core.Domain.Account.CustomPropertyCount);
        using var pipeline = new StagingPipeline(staging);
        await pipeline.AddAccountAsync(Account("ok", "ok"), default);
        await pipeline.AddAccountAsync(Account("broken", "broken", customCount: 1), default); // the staging file refuses it
        // The reader goes on until it hears of the failure: far more than the queue holds, and it must not block.
        var handedOver = 0;
        var refused = await Record.ExceptionAsync(async () =>
        {
            for (; handedOver < 100 * StagingPipeline.BatchSize * StagingPipeline.BatchesInFlight; handedOver++)
                await pipeline.AddLinkAsync("ok", false, "Group", "g", false, default);
        }).WaitAsync(TimeSpan.FromSeconds(60));
        var drained = await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.DrainAsync());

        Assert.Contains("expected", drained.Message, StringComparison.Ordinal);
        Assert.StartsWith("Writing the import's staging file failed", drained.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentException>(drained.InnerException);
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Equal(1, staging.Accounts);
    }

    [Fact]
    public async Task Dispose_WithRecordsStillQueued_StopsWithoutWaitingForThem()
    {
        using var staging = SqliteImportStaging.Create(main, 4, Core.Domain.Account.CustomPropertyCount);
        var pipeline = new StagingPipeline(staging);
        for (var i = 0; i < StagingPipeline.BatchSize * StagingPipeline.BatchesInFlight; i++)
            await pipeline.AddAccountAsync(Account($"id{i}", $"n{i}"), default);
        await Task.Run(pipeline.Dispose).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(staging.Accounts < StagingPipeline.BatchSize * StagingPipeline.BatchesInFlight + 1);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
        {
            for (var i = 0; i <= StagingPipeline.BatchSize; i++) await pipeline.AddAccountAsync(Account("late", "late"), default);
        });
    }

    public void Dispose()
    {
        main.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
