using AdminPortal.Simulators;

return await SimulatorCli.RunAsync(args);
