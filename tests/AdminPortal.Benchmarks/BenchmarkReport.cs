using System.Globalization;
using System.Text;

namespace AdminPortal.Benchmarks;

/// <summary>Writes a run to docs/benchmarks/&lt;date&gt;.csv and appends its tables to docs/benchmarks.md.</summary>
public static class BenchmarkReport
{
    /// <summary>The one console line per figure the benchmark command prints.</summary>
    public static string ConsoleLine(Figure f) =>
        $"{f.Scenario,-58} n={f.Size,9:N0}  {f.Seconds,9:0.000} s  {f.RecordsPerSecond,12:N0}/s  mem {f.PeakWorkingSetBytes / 1048576.0,7:0} MB  ratio {(f.Ratio is { } r ? r.ToString("0.00") : "-"),6} × {f.RatioTo}  {f.Notes}";

    /// <summary>A benchmark measures only runs whose results are right: a wrong count stops it.</summary>
    public static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException("benchmark check failed: " + message);
    }

    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AdminPortal.sln"))) return dir.FullName;
        }

        return null;
    }

    public static (string Csv, string Markdown) Write(string root, IReadOnlyList<Figure> figures)
    {
        var stamp = DateTime.UtcNow;
        var machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion.VersionString}, .NET {Environment.Version}";
        var folder = Directory.CreateDirectory(Path.Combine(root, "docs", "benchmarks")).FullName;
        var csvPath = Path.Combine(folder, $"{stamp:yyyy-MM-dd_HHmm}.csv");
        var csv = new StringBuilder("date_utc,machine,scenario,size,seconds,records_per_second,memory_footprint_mb,ratio,ratio_to,notes\n");
        foreach (var f in figures)
        {
            csv.AppendLine(string.Join(',', Q(stamp.ToString("s", CultureInfo.InvariantCulture)), Q(machine), Q(f.Scenario), f.Size.ToString(CultureInfo.InvariantCulture),
                f.Seconds.ToString("0.000", CultureInfo.InvariantCulture), f.RecordsPerSecond.ToString("0", CultureInfo.InvariantCulture),
                (f.PeakWorkingSetBytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture), f.Ratio?.ToString("0.00", CultureInfo.InvariantCulture) ?? "", Q(f.RatioTo), Q(f.Notes)));
        }

        File.WriteAllText(csvPath, csv.ToString());

        var md = new StringBuilder();
        md.AppendLine().AppendLine($"## Run of {stamp:yyyy-MM-dd HH:mm} UTC — {machine}").AppendLine();
        md.AppendLine($"Raw figures: [benchmarks/{Path.GetFileName(csvPath)}](benchmarks/{Path.GetFileName(csvPath)}).").AppendLine();
        md.AppendLine("Memory = the scenario's own footprint: peak working set during the scenario minus the working set just before it, after an aggressive compacting GC " +
                      "(the process also hosts the simulator and the portal; their steady state is the \"before\" level, printed in the notes with the process peak).").AppendLine();
        foreach (var scenario in figures.GroupBy(f => f.Scenario))
        {
            md.AppendLine($"### {scenario.Key}").AppendLine();
            md.AppendLine("| size | time | rate | memory (own footprint) | ratio | notes |").AppendLine("| ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var f in scenario)
            {
                var time = f.Seconds < 1 ? $"{f.Seconds * 1000:0.0} ms" : $"{f.Seconds:0.00} s";
                md.AppendLine($"| {f.Size:N0} | {time} | {f.RecordsPerSecond:N0}/s | {f.PeakWorkingSetBytes / 1048576.0:0} MB | {(f.Ratio is { } r ? $"{r:0.00} × {f.RatioTo}" : "-")} | {f.Notes} |");
            }

            md.AppendLine();
        }

        var mdPath = Path.Combine(root, "docs", "benchmarks.md");
        if (!File.Exists(mdPath)) File.WriteAllText(mdPath, "# Benchmarks\n\nWritten by `tests/AdminPortal.Benchmarks` (README → Benchmarks). Newest run last.\n");
        File.AppendAllText(mdPath, md.ToString());
        return (csvPath, mdPath);
    }

    private static string Q(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
