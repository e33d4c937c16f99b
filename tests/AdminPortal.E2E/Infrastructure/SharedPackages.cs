using AdminPortal.Web.Features.Simulated;

namespace AdminPortal.E2E.Infrastructure;

/// <summary>The five real connection packages in ../shared/packages/saviynt beside the checkout.</summary>
public static class SharedPackages
{
    public static string PathOf(string name) =>
        Path.Combine(SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException("../shared/packages/saviynt not found beside the checkout"), name + ".zip");
}
