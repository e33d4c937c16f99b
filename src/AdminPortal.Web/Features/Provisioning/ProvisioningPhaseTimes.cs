using System.Diagnostics;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>
/// Where WSRETRY passes spend their time, summed per phase since start-up (or <see cref="Reset"/>). Issue 6 asks for a
/// per-task budget of 2 ms; without a breakdown every optimisation is a guess. Two timestamps per phase and task cost
/// nanoseconds, so it is always on; the benchmark prints it.
/// </summary>
public sealed class ProvisioningPhaseTimes
{
    public enum Phase
    {
        /// <summary>Picking the due tasks and reading the connections' limits.</summary>
        Select,
        Claim,
        Inputs,
        Intent,
        /// <summary>The engine's request from the loaded inputs (payload decryption included).</summary>
        Build,
        /// <summary>The engine session's run of the task: rendering, HTTP, judging, redaction of the exchanges.</summary>
        Engine,
        /// <summary>Result groups: reading the rows they change.</summary>
        WriteLoad,
        /// <summary>Result groups: task states, accounts, exchanges and audit rows in memory, and the requests' status.</summary>
        WriteApply,
        /// <summary>Result groups: the transaction that stores them.</summary>
        WriteSave,
        Release,
    }

    private readonly long[] _ticks = new long[Enum.GetValues<Phase>().Length];
    private long _tasks;

    public static long Start() => Stopwatch.GetTimestamp();

    public void Add(Phase phase, long started) => Interlocked.Add(ref _ticks[(int)phase], Stopwatch.GetTimestamp() - started);

    public void CountTask() => Interlocked.Increment(ref _tasks);

    public void Reset()
    {
        for (var i = 0; i < _ticks.Length; i++) Interlocked.Exchange(ref _ticks[i], 0);
        Interlocked.Exchange(ref _tasks, 0);
    }

    public long Tasks => Interlocked.Read(ref _tasks);

    public IReadOnlyList<(Phase Phase, TimeSpan Total)> Totals() =>
        Enum.GetValues<Phase>().Select(p => (p, Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)p])))).ToList();

    /// <summary>"claim 0.21 · intent 0.23 · … ms per task".</summary>
    public string PerTask()
    {
        var n = Math.Max(1, Tasks);
        var parts = Totals().Where(t => t.Total > TimeSpan.Zero)
            .Select(t => $"{t.Phase.ToString().ToLowerInvariant()} {t.Total.TotalMilliseconds / n:0.000}");
        return string.Join(" · ", parts) + $" ms per task over {Tasks:N0} task(s)";
    }
}
