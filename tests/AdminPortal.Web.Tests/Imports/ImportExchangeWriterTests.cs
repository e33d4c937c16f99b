using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using EngineExchange = AdminPortal.Core.Connectors.Http.HttpExchange;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>An import's recorded exchanges reach the run's history in batches while it reads, not all at its end (issue 6: memory).</summary>
public class ImportExchangeWriterTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Exchanges_AreWrittenInBatchesAsTheyCome_TheFirstMaxKept_NumberedInRecordingOrder()
    {
        long runId;
        await using (var db = factory.CreateDbContext())
        {
            var run = new JobRun { Kind = JobKind.ApplicationDataImport, Status = JobRunStatus.Running, QueuedUtc = DateTime.UtcNow };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        var writer = new ImportExchangeWriter(factory.Services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>(), runId, max: 7, batch: 3);
        for (var i = 0; i < 10; i++)
        {
            writer.Record(new EngineExchange { Method = "GET", Url = $"http://target/page/{i}", StatusCode = 200, ResponseBody = "{}" });
            if (writer.HasBatch) await writer.FlushAsync();
        }

        // Two full batches are in the run's history already; the seventh waits for the last flush; the rest is over the cap.
        Assert.Equal(6, await CountAsync(runId));
        await writer.FlushAsync();
        await writer.FlushAsync(); // nothing left: writes nothing twice

        await using var check = factory.CreateDbContext();
        var rows = await check.HttpExchanges.AsNoTracking().Where(x => x.JobRunId == runId).OrderBy(x => x.Sequence).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 7), rows.Select(x => x.Sequence));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"http://target/page/{i}"), rows.Select(x => x.Url));
    }

    private async Task<int> CountAsync(long runId)
    {
        await using var db = factory.CreateDbContext();
        return await db.HttpExchanges.CountAsync(x => x.JobRunId == runId);
    }
}
