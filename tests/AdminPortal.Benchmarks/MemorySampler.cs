using System.Diagnostics;

namespace AdminPortal.Benchmarks;

/// <summary>Samples the process working set every few milliseconds and keeps the peak of one scenario.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peak;

    private MemorySampler()
    {
        peak = Current();
        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var now = Current();
                if (now > Interlocked.Read(ref peak)) Interlocked.Exchange(ref peak, now);
                try { await Task.Delay(50, stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    public static MemorySampler Start() => new();

    public long PeakBytes => Interlocked.Read(ref peak);

    public static long Current()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        await loop;
        stop.Dispose();
    }
}
