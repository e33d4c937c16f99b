using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>A ready engine for one provisioning connection: parsed attributes, limits and the engine itself.</summary>
public sealed record ProvisioningConnector(Connection Connection, ConnectorConnection Definition, ConnectorEngine Engine, ProvisioningLimits Limits);

/// <summary>
/// Builds the connector engine for a security system's provisioning connection through the one
/// <see cref="ConnectorEngineFactory"/> the import and Test Connection use (client, base URL, URL rewrites,
/// token write-back, the connection's secrets registered for redaction), plus the ConfigJSON limits.
/// </summary>
public sealed class ProvisioningConnectorFactory(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    ConnectorEngineFactory engines,
    AttributeProtector protector)
{
    public async Task<ProvisioningConnector> CreateAsync(int connectionId, IExchangeRecorder recorder, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleAsync(c => c.Id == connectionId, ct);
        if (connection.ConnectionJsonNeedsEntry)
            throw new ProvisioningSetupException($"Connection '{connection.Name}': ConnectionJSON needs to be entered (the package carried another tenant's ciphertext).");
        var attributes = engines.DecryptAttributes(connection);
        var definition = ConnectorEngineFactory.Parse(connection.Name, attributes);
        var engine = engines.Create(connection, attributes, recorder);
        return new ProvisioningConnector(connection, definition, engine, ProvisioningLimits.Parse(attributes.GetValueOrDefault(ConnectionAttributeNames.ConfigJson)));
    }

    public async Task<ProvisioningLimits> LimitsAsync(int connectionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attribute = await db.ConnectionAttributes.AsNoTracking()
            .SingleOrDefaultAsync(a => a.ConnectionId == connectionId && a.Name == ConnectionAttributeNames.ConfigJson, ct);
        return attribute is null ? ProvisioningLimits.Unlimited : ProvisioningLimits.Parse(protector.Read(attribute));
    }
}

/// <summary>The portal is not set up to run this task (no provisioning connection, ConnectionJSON missing…).</summary>
public sealed class ProvisioningSetupException(string message) : Exception(message);
