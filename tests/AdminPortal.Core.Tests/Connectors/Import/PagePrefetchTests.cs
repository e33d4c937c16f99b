using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// A projected list read requests the next page while the engine maps the current one (PagedReader): the target still
/// sees one request at a time, pages keep their order, and a caller that stops early leaves no request behind.
/// </summary>
public class PagePrefetchTests
{
    // CompletenessTests' call: offset paging, 2 accounts per page, total from completeResponseMap.total
    private const string Import = CompletenessTests.Import;

    /// <summary>Serves 5 pages of 2 accounts, counting requests in flight.</summary>
    private sealed class Target
    {
        private int _inFlight;
        public int MaxInFlight;
        public readonly List<int> Offsets = [];
        public readonly TaskCompletionSource SecondPageRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task Serve(Microsoft.AspNetCore.Http.HttpContext ctx, ServerRequest req)
        {
            var now = Interlocked.Increment(ref _inFlight);
            lock (Offsets)
            {
                MaxInFlight = Math.Max(MaxInFlight, now);
                Offsets.Add(int.Parse(Fx.Query(req, "offset")));
            }
            try
            {
                var offset = int.Parse(Fx.Query(req, "offset"));
                if (offset == 2) SecondPageRequested.TrySetResult();
                await Task.Delay(20);
                await Fx.Json(ctx, CompletenessTests.Page(offset, 10));
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>Holds the first account until the target has been asked for the second page.</summary>
    private sealed class WaitingSink(Func<ImportedAccount, Task> onAccount) : IImportSink
    {
        public List<string> Ids { get; } = [];
        public async ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct)
        {
            await onAccount(account);
            Ids.Add(account.AccountId);
        }
        public ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_next_page_is_requested_while_the_current_one_is_mapped_one_request_at_a_time()
    {
        var target = new Target();
        await using var srv = await FixtureServer.StartAsync(target.Serve);
        var (engine, _, _) = Engine.Create();
        var sink = new WaitingSink(a => a.AccountId == "u0" ? target.SecondPageRequested.Task.WaitAsync(TimeSpan.FromSeconds(10)) : Task.CompletedTask);

        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), sink);

        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "u" + i), sink.Ids);
        Assert.Equal([0, 2, 4, 6, 8], target.Offsets);
        Assert.Equal(1, target.MaxInFlight);
        Assert.Equal(5, r.RequestCount);
    }

    [Fact]
    public async Task A_caller_that_fails_on_a_page_abandons_the_page_being_fetched()
    {
        var target = new Target();
        await using var srv = await FixtureServer.StartAsync(target.Serve);
        var (engine, _, _) = Engine.Create();
        var sink = new WaitingSink(async a =>
        {
            if (a.AccountId != "u0") return;
            await target.SecondPageRequested.Task.WaitAsync(TimeSpan.FromSeconds(10));
            throw new InvalidOperationException("the sink's disk is full");
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), sink));

        Assert.Equal("the sink's disk is full", ex.Message);
        Assert.Equal([0, 2], target.Offsets); // the page in flight was not followed by another
        Assert.Empty(sink.Ids);
    }
}
