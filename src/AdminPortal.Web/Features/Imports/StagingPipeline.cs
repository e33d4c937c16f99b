using System.Threading.Channels;
using AdminPortal.Data;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Runs the inserts into an import's staging file on a thread of its own, so that while it writes one batch of records
/// the engine already downloads and parses the next page: on these 2-core machines the read used one core (ADR-020).
/// Records are handed over in batches through a bounded channel (at most <see cref="BatchesInFlight"/> ×
/// <see cref="BatchSize"/> records wait, so memory stays flat); one writer keeps their order, which the staging file
/// relies on (a membership read from an account's own record names that account by its read number).
/// <para>
/// The staging connection belongs to the writer thread while records flow. Whoever wants to use the staging file on
/// another thread first calls <see cref="DrainAsync"/>, which returns once everything handed over is written; the
/// first write that fails stops the writing, and the next hand-over or drain throws with it, so a broken staging file
/// fails the run before anything is applied. The account merge buffer of a run that merges several account calls is
/// not in the staging file but in a file of its own (<see cref="SqliteAccountBuffer"/>, used on the engine's thread),
/// so the writer keeps running for those runs too.
/// </para>
/// </summary>
public sealed class StagingPipeline : IDisposable
{
    public const int BatchSize = 512;
    public const int BatchesInFlight = 8;

    private enum Kind : byte { Account, Entitlement, Link, Barrier }

    private readonly record struct Op(Kind Kind, StagedAccount? Account = null, string? A = null, string? B = null, string? C = null, bool X = false, bool Y = false,
        TaskCompletionSource? Done = null);

    private readonly SqliteImportStaging staging;
    private readonly Channel<List<Op>> channel = Channel.CreateBounded<List<Op>>(new BoundedChannelOptions(BatchesInFlight) { SingleReader = true, SingleWriter = true });
    private readonly Thread thread;
    private List<Op> batch = new(BatchSize);
    private volatile Exception? failure;
    private volatile bool stopping;

    public StagingPipeline(SqliteImportStaging staging)
    {
        this.staging = staging;
        thread = new Thread(Write) { IsBackground = true, Name = "import staging writer" };
        thread.Start();
    }

    public ValueTask AddAccountAsync(StagedAccount account, CancellationToken ct) => PostAsync(new Op(Kind.Account, account), ct);

    public ValueTask AddEntitlementAsync(string type, string entitlementId, string value, CancellationToken ct) =>
        PostAsync(new Op(Kind.Entitlement, A: type, B: entitlementId, C: value), ct);

    public ValueTask AddLinkAsync(string accountKey, bool accountKeyIsName, string type, string entitlementKey, bool entitlementKeyIsValue, CancellationToken ct) =>
        PostAsync(new Op(Kind.Link, A: accountKey, X: accountKeyIsName, B: type, C: entitlementKey, Y: entitlementKeyIsValue), ct);

    /// <summary>Returns when every record handed over so far is in the staging file; throws the first write failure.</summary>
    public async ValueTask DrainAsync(CancellationToken ct = default)
    {
        ThrowIfFailed();
        // Continuations must not run on the writer thread: it would then wait for itself.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        batch.Add(new Op(Kind.Barrier, Done: done));
        await FlushBatchAsync(ct);
        await done.Task.WaitAsync(ct);
        ThrowIfFailed();
    }

    private async ValueTask PostAsync(Op op, CancellationToken ct)
    {
        ThrowIfFailed();
        batch.Add(op);
        if (batch.Count >= BatchSize) await FlushBatchAsync(ct);
    }

    private async ValueTask FlushBatchAsync(CancellationToken ct)
    {
        var full = batch;
        batch = new List<Op>(BatchSize);
        try
        {
            await channel.Writer.WriteAsync(full, ct);
        }
        catch (ChannelClosedException)
        {
            ThrowIfFailed();
            throw new ObjectDisposedException(nameof(StagingPipeline));
        }
    }

    private void ThrowIfFailed()
    {
        if (failure is { } e) throw new InvalidOperationException($"Writing the import's staging file failed: {e.Message}", e);
    }

    private void Write()
    {
        var reader = channel.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var ops))
            {
                foreach (var op in ops)
                {
                    if (op.Kind == Kind.Barrier)
                    {
                        if (failure is { } f) op.Done!.TrySetException(f);
                        else if (stopping) op.Done!.TrySetCanceled();
                        else op.Done!.TrySetResult();
                        continue;
                    }

                    // After a failure (or when the run is over) the rest is read and dropped, so no producer waits forever.
                    if (failure is not null || stopping) continue;
                    try
                    {
                        switch (op.Kind)
                        {
                            case Kind.Account: staging.AddAccount(op.Account!); break;
                            case Kind.Entitlement: staging.AddEntitlement(op.A!, op.B!, op.C!); break;
                            default: staging.AddLink(op.A!, op.X, op.B!, op.C!, op.Y); break;
                        }
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }
                }
            }
        }
    }

    /// <summary>Stops the writer (records not yet written are dropped) and waits for its thread to end.</summary>
    public void Dispose()
    {
        stopping = true;
        channel.Writer.TryComplete();
        thread.Join();
    }
}
