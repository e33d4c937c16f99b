using AdminPortal.Core.Connectors.Http;
using AdminPortal.Data;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;
using EngineExchange = AdminPortal.Core.Connectors.Http.HttpExchange;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Keeps the first <c>max</c> exchanges of an import run (bodies already capped and redacted by the engine), numbered in
/// recording order, and writes them to the run's history in batches while the read goes on instead of holding them until
/// the run ends: a 1M-account SAP read is ~2,500 pages of ~35 KB each in memory (~85 MB; ~170 MB for Confluent's 5,000
/// kept pages), which made the import's memory grow with the target. They are run history, not account data, so writing
/// them before the read is proven complete does not break "a failed import changes nothing" (a failed run kept its
/// exchanges before too, written when it ended). The caller flushes when <see cref="HasBatch"/> says so, after the read
/// (before the apply's write transaction, which a flush would wait for) and when the run ends.
/// </summary>
internal sealed class ImportExchangeWriter(IDbContextFactory<AdminPortalDbContext> dbFactory, long runId, int max, int batch = ImportExchangeWriter.DefaultBatch) : IExchangeRecorder
{
    /// <summary>Exchanges held before the next progress report writes them (~3.5 MB of SAP pages).</summary>
    public const int DefaultBatch = 100;
    private readonly List<EngineExchange> pending = [];
    private int accepted;
    private int written;

    public bool HasBatch
    {
        get
        {
            lock (pending) return pending.Count >= batch;
        }
    }

    public void Record(EngineExchange exchange)
    {
        lock (pending)
        {
            if (accepted >= max) return;
            accepted++;
            pending.Add(exchange);
        }
    }

    /// <summary>Writes what is pending in a context of its own; never cancelled, so a cancelled run keeps its exchanges too.</summary>
    public async Task FlushAsync()
    {
        List<EngineExchange> taken;
        int first;
        lock (pending)
        {
            if (pending.Count == 0) return;
            taken = [.. pending];
            pending.Clear();
            first = written;
            written += taken.Count;
        }

        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        db.HttpExchanges.AddRange(taken.Select((x, i) => ExchangeRows.From(x, first + i, runId: runId)));
        await db.SaveChangesAsync(CancellationToken.None);
    }
}
