using System.Globalization;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Simulated;

namespace AdminPortal.Benchmarks;

/// <summary>The benchmark command (README → "Benchmarks"). A named class, not top-level statements, so the
/// test project that references this assembly does not see two global <c>Program</c> types.</summary>
public static class BenchmarkProgram
{
    // dotnet run -c Release --project tests/AdminPortal.Benchmarks -- [--sizes 10000,100000,1000000] [--systems sapbtp,confluent] [--no-queries] [--no-write]
    //     [--full-import-only] [--provisioning-tasks 10000] (0 = no provisioning scenarios) [--inline-staging] (ADR-020's comparison)
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--load")
        {
            // dotnet run -c Release --project tests/AdminPortal.Benchmarks -- --load [--accounts 1000000] [--clients 20] [--seconds 120] [--seed-dir DIR] [--tasks-per-second 20] [--import-accounts 100000]
            //     [--think-ms 0] (mean pause between a client's requests) [--cpu-per-request] (CPU per request kind instead of the window)
            string? Text(string name)
            {
                var i = Array.IndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            }

            int Option(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

            var folder = SimulatedApplicationSetup.FindPackageFolder(Environment.CurrentDirectory, AppContext.BaseDirectory);
            if (folder is null)
            {
                Console.Error.WriteLine("../shared/packages/saviynt not found beside the checkout");
                return 2;
            }

            return await LoadTest.RunAsync(folder, new LoadOptions(Option("--accounts", 50_000), Option("--clients", 20), Option("--seconds", 60), Text("--seed-dir"),
                Option("--tasks-per-second", 20), Option("--import-accounts", 100_000), Option("--think-ms", 0), args.Contains("--cpu-per-request")), Console.Out);
        }

        var sizes = new List<int> { 10_000, 100_000, 1_000_000 };
        var systems = new List<SimulatedSystem> { SimulatedSystem.SapBtp };
        bool queries = true, write = true, fullImportOnly = false, inlineStaging = false;
        var provisioningTasks = 10_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes" when i + 1 < args.Length:
                    sizes = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
                    break;
                case "--systems" when i + 1 < args.Length:
                    systems = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => s.ToLowerInvariant() switch
                        {
                            "sap" or "sapbtp" => SimulatedSystem.SapBtp,
                            "confluent" => SimulatedSystem.Confluent,
                            _ => throw new ArgumentException($"--systems: '{s}' is not sapbtp or confluent"),
                        }).ToList();
                    break;
                case "--provisioning-tasks" when i + 1 < args.Length:
                    provisioningTasks = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--no-queries": queries = false; break;
                case "--no-write": write = false; break;
                case "--full-import-only": fullImportOnly = true; break;
                case "--inline-staging": inlineStaging = true; break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: --sizes 10000,100000 [--systems sapbtp,confluent] [--provisioning-tasks N] [--no-queries] [--no-write] [--full-import-only] [--inline-staging]");
                    return 2;
            }
        }

        var packages = SimulatedApplicationSetup.FindPackageFolder(Environment.CurrentDirectory, AppContext.BaseDirectory);
        if (packages is null)
        {
            Console.Error.WriteLine("../shared/packages/saviynt not found beside the checkout");
            return 2;
        }

        var root = BenchmarkReport.FindRepositoryRoot(AppContext.BaseDirectory);
        var runner = new BenchmarkRunner(packages, Console.Out)
        {
            FullImportOnly = fullImportOnly,
            PortalArguments = inlineStaging ? ["--AdminPortal:Jobs:PipelinedStaging=false"] : [],
        };
        var figures = new List<Figure>();
        Console.WriteLine($"AdminPortal benchmarks — {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {(System.Diagnostics.Debugger.IsAttached ? "debugger" : "no debugger")}, "
            + (typeof(BenchmarkRunner).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
                .OfType<System.Diagnostics.DebuggableAttribute>().Any(d => d.IsJITOptimizerDisabled) ? "Debug build" : "Release build"));
        foreach (var system in systems)
        {
            foreach (var size in sizes)
            {
                figures.AddRange(await runner.RunAsync(system, size, queries));
            }
        }

        if (provisioningTasks > 0)
        {
            figures.AddRange(await new ProvisioningBenchmark(packages, Console.Out).RunAsync(provisioningTasks, latencySamples: 50));
        }

        if (write && root is not null)
        {
            var (csv, md) = BenchmarkReport.Write(root, figures);
            Console.WriteLine($"wrote {csv} and {md}");
        }

        return 0;
    }
}
