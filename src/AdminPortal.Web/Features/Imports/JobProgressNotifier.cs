namespace AdminPortal.Web.Features.Imports;

/// <summary>Live state of a running job, pushed to open pages.</summary>
public sealed record JobProgress(long RunId, string Phase, int Pages, long Records, double RecordsPerSecond, TimeSpan Elapsed, string? Detail, bool Finished);

/// <summary>
/// Singleton fan-out of job progress to subscribed components (eShop's OrderStatusNotificationService shape):
/// subscribers get a callback and dispose the returned handle.
/// </summary>
public sealed class JobProgressNotifier
{
    private readonly Lock gate = new();
    private readonly List<Func<JobProgress, Task>> subscribers = [];
    private readonly Dictionary<long, JobProgress> latest = [];

    public IDisposable Subscribe(Func<JobProgress, Task> callback)
    {
        lock (gate) subscribers.Add(callback);
        return new Subscription(() =>
        {
            lock (gate) subscribers.Remove(callback);
        });
    }

    public JobProgress? Latest(long runId)
    {
        lock (gate) return latest.GetValueOrDefault(runId);
    }

    public async Task PublishAsync(JobProgress progress)
    {
        Func<JobProgress, Task>[] targets;
        lock (gate)
        {
            if (progress.Finished) latest.Remove(progress.RunId);
            else latest[progress.RunId] = progress;
            targets = [.. subscribers];
        }

        foreach (var target in targets)
        {
            try
            {
                await target(progress);
            }
            catch (ObjectDisposedException)
            {
                // A closed page; its subscription goes with its Dispose.
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
