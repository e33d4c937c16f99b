namespace AdminPortal.Simulators;

/// <summary>The command line: start one or all simulators for demos, or run the memory check.</summary>
public static class SimulatorCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, CancellationToken ct = default)
    {
        await Task.Yield();
        (output ?? Console.Out).WriteLine("todo");
        return 0;
    }
}
