using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.SecuritySystems;
using AdminPortal.Web.Features.Transport;

namespace AdminPortal.Web.Features.Simulated;

/// <summary>
/// Sets one of the five real packages up against a running simulator exactly as an administrator does
/// through the pages: Transport import of the unchanged zip, ConnectionJSON entered, placeholders filled,
/// URL rewrites set, then a security system and an endpoint. Used by the integration tests, the benchmark
/// harness and demo mode, so all three exercise the same code path as the admin pages.
/// </summary>
public sealed class SimulatedApplicationSetup(TransportService transport, ConnectionService connections, SecuritySystemService systems)
{
    /// <summary>Sets the package up and answers the endpoint name; throws with the step that failed.</summary>
    /// <param name="packageFolder">Folder holding the five Saviynt zips (../shared/packages/saviynt beside a checkout).</param>
    public async Task<string> SetUpAsync(RunningSimulator sim, string packageFolder, string systemName, string endpointName, string actor, CancellationToken ct = default)
    {
        var profile = PackageConnectionProfiles.For(sim);
        var zip = await File.ReadAllBytesAsync(Path.Combine(packageFolder, profile.PackageFile), ct);
        var imported = await transport.ImportAsync(zip, profile.PackageFile,
            new Dictionary<string, string> { [$"connection/{profile.ConnectionName}"] = "overwrite" }, actor, "ui");
        Require(imported.Status == "succeeded", $"importing {profile.PackageFile}: {imported.Status}");

        var saved = await connections.SaveAttributeAsync(profile.ConnectionName, ConnectionAttributeNames.ConnectionJson, profile.ConnectionJson, actor, ct: ct);
        Require(saved.Saved, $"saving ConnectionJSON of {profile.ConnectionName}: {saved.Error}");
        await PointAtSimulatorAsync(profile, profile.Placeholders, actor, ct);

        var existing = await systems.GetAsync(systemName, ct);
        var systemErrors = await systems.SaveAsync(existing?.Id, new SecuritySystemEdit(systemName, sim.System.ToString(), null, profile.ConnectionName, profile.ConnectionName, false), actor, ct);
        Require(systemErrors.Count == 0, $"saving security system {systemName}: {string.Join("; ", systemErrors.Values)}");
        var endpoint = await systems.GetEndpointAsync(endpointName, ct);
        var endpointErrors = await systems.SaveEndpointAsync(endpoint?.Id, new EndpointEdit(endpointName, null, null, systemName, null, null, null, ApproverMode.Manager, null, []), actor, ct);
        Require(endpointErrors.Count == 0, $"saving endpoint {endpointName}: {string.Join("; ", endpointErrors.Values)}");
        return endpointName;
    }

    /// <summary>Fills the connection's placeholders and sets the base URL and URL rewrites that point it at the simulator.</summary>
    public async Task PointAtSimulatorAsync(PackageConnectionProfile profile, IReadOnlyDictionary<string, string> placeholders, string actor, CancellationToken ct = default)
    {
        var missing = await connections.FillPlaceholdersAsync(profile.ConnectionName, placeholders, actor, ct);
        Require(missing.Count == 0, $"placeholders still unfilled in {profile.ConnectionName}: {string.Join(", ", missing)}");
        var targetError = await connections.SaveTargetSettingsAsync(profile.ConnectionName, profile.BaseUrl, PackageConnectionProfiles.RewritesJson(profile), actor, ct);
        Require(targetError is null, $"saving base URL and rewrites of {profile.ConnectionName}: {targetError}");
    }

    /// <summary>The folder of the five real packages: ../shared/packages/saviynt beside the checkout, found by walking up.</summary>
    public static string? FindPackageFolder(params string[] startDirectories)
    {
        foreach (var start in startDirectories)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "packages", "saviynt");
                if (Directory.Exists(candidate)) return candidate;
            }
        }

        return null;
    }

    internal static void Require(bool condition, string step)
    {
        if (!condition) throw new InvalidOperationException("Simulated application set-up failed: " + step);
    }
}
