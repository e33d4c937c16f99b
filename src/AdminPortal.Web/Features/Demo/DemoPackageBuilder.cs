using System.Reflection;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Simulators;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Demo;

/// <summary>A T2P package the portal writes for one simulated application, and the values its placeholders need.</summary>
public sealed record DemoPackage(SimulatedSystem System, string FileName, byte[] Zip, string ConnectionName, string SecuritySystemName,
    string EndpointName, IReadOnlyDictionary<string, string> PlaceholderValues, PackageConnectionProfile Profile);

/// <summary>
/// Writes the demo's transport packages: per simulated system, one connection (the project's own connection
/// template from Templates/*.json plus a ConnectionJSON for the simulator with its secrets replaced by
/// <c>@@NAME@@</c> placeholders), a security system with instant provisioning, and an endpoint. Demo mode
/// imports these through Transport like any package, so the demo never reads files outside the project.
/// </summary>
public static class DemoPackageBuilder
{
    public sealed class ConnectionTemplate
    {
        public string System { get; set; } = "";
        public string ConnectionName { get; set; } = "";
        public string? Description { get; set; }
        public string ConnectionType { get; set; } = "REST";
        public string? TemplateName { get; set; }
        public Dictionary<string, string> Attributes { get; set; } = [];
    }

    public static ConnectionTemplate LoadTemplate(SimulatedSystem system)
    {
        var resource = $"AdminPortal.Web.Features.Demo.Templates.{system}.json";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The demo connection template {resource} is not embedded in the portal.");
        using var reader = new StreamReader(stream);
        return JsonConvert.DeserializeObject<ConnectionTemplate>(reader.ReadToEnd())
            ?? throw new InvalidOperationException($"The demo connection template {resource} is empty.");
    }

    public static DemoPackage Build(RunningSimulator sim, DateTime nowUtc)
    {
        var template = LoadTemplate(sim.System);
        var profile = PackageConnectionProfiles.For(sim);
        // The package must not carry secrets (as every export): scrub the simulator's credentials into
        // placeholders and hand their values to the set-up, which fills them like an administrator would.
        var scrubbed = SecretScrubber.Scrub(profile.ConnectionJson);
        var values = new Dictionary<string, string>(scrubbed.ValuesByPlaceholder, StringComparer.Ordinal);
        foreach (var kv in profile.Placeholders) values[kv.Key] = kv.Value;
        if (sim.System == SimulatedSystem.Confluent)
        {
            // The demo package reads role bindings, which the API lists per organization (crn_pattern is required).
            values["@ORGANIZATION_ID@"] = sim.State.GetEntitlements("organization").First().Id;
        }

        var attributes = new List<KeyValuePair<string, string?>> { new(ConnectionAttributeNames.ConnectionJson, scrubbed.Text) };
        attributes.AddRange(template.Attributes.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
        var connection = PackagedConnection.Create(template.ConnectionName, template.Description, template.ConnectionType, attributes, template.TemplateName);

        var systemName = $"demo-{sim.System.ToString().ToLowerInvariant()}";
        var endpointName = systemName;
        var security = PackagedSecuritySystem.Create(systemName, $"{sim.System} (demo)", template.ConnectionName, template.ConnectionName,
            instantProvisioning: true, $"Demo security system for the simulated {sim.System} at {sim.BaseUrl}");
        var endpoint = PackagedEndpoint.Create(endpointName, $"{sim.System} (demo)", systemName, owner: null, accountNameRule: null,
            $"Demo endpoint for the simulated {sim.System}", []);
        var package = TransportPackage.ForExport(TransportManifest.Create("demo", "AdminPortal demo", nowUtc, Guid.NewGuid()),
            [connection], [security], [endpoint]);
        using var output = new MemoryStream();
        TransportPackageWriter.Write(package, output);
        return new DemoPackage(sim.System, $"demo-{sim.System}.zip", output.ToArray(), template.ConnectionName, systemName, endpointName, values, profile);
    }
}
