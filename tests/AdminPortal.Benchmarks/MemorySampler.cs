using System.Diagnostics;
using System.Runtime;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Samples the process working set every 50 ms during one scenario. The benchmark process also hosts the simulator
/// (its seeded store is hundreds of MB at 1M accounts) and the portal host, so the figure reported is the scenario's
/// own footprint: the peak working set during the scenario minus the working set just before it, measured after an
/// aggressive, compacting full GC has returned the previous scenario's garbage to the OS. What remains in the delta
/// besides the import itself is the simulator's per-page serving work (transient JSON buffers), which the baseline
/// pays too. The whole process's peak is kept as well and printed in the notes.
/// </summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peak;
    private readonly TimeSpan startCpu;
    private readonly TimeSpan startPause = GC.GetTotalPauseDuration();
    private readonly int startGen0 = GC.CollectionCount(0), startGen1 = GC.CollectionCount(1), startGen2 = GC.CollectionCount(2);

    private MemorySampler()
    {
        StartBytes = Current();
        startCpu = Cpu();
        peak = StartBytes;
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

    /// <summary>Collects aggressively (so the start level holds live data only), then starts sampling.</summary>
    public static MemorySampler Start()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return new MemorySampler();
    }

    /// <summary>Working set just before the scenario (simulator store, portal host, runtime).</summary>
    public long StartBytes { get; }

    /// <summary>Peak working set of the whole process during the scenario.</summary>
    public long PeakBytes => Interlocked.Read(ref peak);

    /// <summary>The scenario's own footprint: peak minus start (at least one byte, so "measured, nothing grew" is not "not measured").</summary>
    public long FootprintBytes => Math.Max(1, PeakBytes - StartBytes);

    /// <summary>
    /// CPU time the whole process (portal, simulator, sampler) used since the start, in seconds: a second measure besides
    /// wall time for A/B comparisons on a machine shared with other work, where wall time moves with the neighbours' load.
    /// </summary>
    public double CpuSeconds => (Cpu() - startCpu).TotalSeconds;

    /// <summary>Time the process was paused for garbage collections since the start, and the collections by generation
    /// (a gen-1 count counts the gen-2 ones too): what the scenario's garbage cost.</summary>
    public string Gc => $"GC paused {(GC.GetTotalPauseDuration() - startPause).TotalSeconds:0.0} s in {GC.CollectionCount(0) - startGen0}/{GC.CollectionCount(1) - startGen1}/{GC.CollectionCount(2) - startGen2} gen0/1/2 collections ({(GCSettings.IsServerGC ? "server" : "workstation")} GC)";

    private static TimeSpan Cpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

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
