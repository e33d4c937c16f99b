using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Connections;

/// <summary>"Test Connection": runs the profile's testConnectionParams (or its token call) with the stored
/// ConnectionJSON and answers the redacted exchanges. Writes only the audit event and refreshed tokens.</summary>
public class ConnectionTester(IDbContextFactory<AdminPortalDbContext> dbFactory, ConnectorEngineFactory engines, AuditService audit, ILogger<ConnectionTester> logger)
{
    /// <summary>Profile names of the stored ConnectionJSON (empty when it is missing or does not parse).</summary>
    public static IReadOnlyList<string> ProfileNames(string? connectionJson)
    {
        if (string.IsNullOrWhiteSpace(connectionJson)) return [];
        try
        {
            return ConnectionDefinition.Parse(connectionJson).Profiles.Keys.ToList();
        }
        catch (ConnectorConfigException)
        {
            return [];
        }
    }

    public async Task<TestConnectionResult> TestAsync(string connectionName, string? profileName, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == connectionName, ct)
                         ?? throw new KeyNotFoundException($"No connection named '{connectionName}'.");
        TestConnectionResult result;
        if (connection.ConnectionJsonNeedsEntry)
        {
            result = new TestConnectionResult(false, "ConnectionJSON needs entry: it arrived as another tenant's ciphertext. Enter it and save first.", profileName ?? "", []);
        }
        else
        {
            try
            {
                var attributes = engines.DecryptAttributes(connection);
                var connector = ConnectorEngineFactory.Parse(connection.Name, attributes);
                result = connector.Connection is null
                    ? new TestConnectionResult(false, "The connection has no ConnectionJSON.", profileName ?? "", [])
                    : await engines.Create(connection, attributes).TestConnectionAsync(connector.Connection, string.IsNullOrWhiteSpace(profileName) ? null : profileName, ct);
            }
            catch (ConnectorConfigException e)
            {
                result = new TestConnectionResult(false, e.Message, profileName ?? "", []);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Test connection of {Connection} failed unexpectedly", connectionName);
                result = new TestConnectionResult(false, $"Unexpected error: {e.Message}", profileName ?? "", []);
            }
        }

        await audit.WriteAsync(actor, "connection.test", "connection", connectionName, $"profile={result.ProfileName} success={result.Success}: {result.Message}", ct);
        return result;
    }
}
