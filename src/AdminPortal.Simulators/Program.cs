namespace AdminPortal.Simulators;

/// <summary>Entry point of the standalone command. Kept out of the global namespace so that test projects which
/// reference both this project and the portal can still name the portal's <c>Program</c>.</summary>
internal static class SimulatorProgram
{
    public static Task<int> Main(string[] args) => SimulatorCli.RunAsync(args);
}
