using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Imports;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>A ready engine for one provisioning connection: parsed attributes, limits and the engine itself.</summary>
public sealed record ProvisioningConnector(Connection Connection, ConnectorConnection Definition, ConnectorEngine Engine, ProvisioningLimits Limits);

/// <summary>
/// Builds the connector engine for a security system's provisioning connection the same way the import does
/// (the "connectors" HTTP client, base URL, URL rewrites, token write-back), plus the decrypted secrets of
/// ConnectionJSON as extra redaction values so they never reach a stored exchange.
/// </summary>
public sealed class ProvisioningConnectorFactory(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    IHttpClientFactory httpClientFactory,
    AttributeProtector protector,
    TimeProvider clock)
{
    private static readonly string[] SecretWords = ["password", "secret", "token", "apikey", "api_key", "key", "credential"];

    public async Task<ProvisioningConnector> CreateAsync(int connectionId, IExchangeRecorder recorder, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleAsync(c => c.Id == connectionId, ct);
        if (connection.ConnectionJsonNeedsEntry)
            throw new ProvisioningSetupException($"Connection '{connection.Name}': ConnectionJSON needs to be entered (the package carried another tenant's ciphertext).");
        var attributes = connection.Attributes.ToDictionary(a => a.Name, a => protector.Read(a), StringComparer.OrdinalIgnoreCase);
        var definition = ConnectorConnection.FromAttributes(attributes, TemplateVariables(attributes), connection.Name);
        var engine = new ConnectorEngine(new ConnectorEngineOptions
        {
            HttpClientFactory = () => httpClientFactory.CreateClient(ImportService.HttpClientName),
            BaseUrl = connection.BaseUrl,
            UrlRewrites = ImportService.ParseRewrites(connection.UrlRewritesJson),
            Recorder = recorder,
            SecretValues = SecretsOf(attributes.GetValueOrDefault(ConnectionAttributeNames.ConnectionJson)),
            OnTokensRefreshed = (update, token) => WriteBackTokensAsync(connection.Id, update, token),
            TimeProvider = clock,
        });
        return new ProvisioningConnector(connection, definition, engine, ProvisioningLimits.Parse(attributes.GetValueOrDefault(ConnectionAttributeNames.ConfigJson)));
    }

    public async Task<ProvisioningLimits> LimitsAsync(int connectionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attribute = await db.ConnectionAttributes.AsNoTracking()
            .SingleOrDefaultAsync(a => a.ConnectionId == connectionId && a.Name == ConnectionAttributeNames.ConfigJson, ct);
        return attribute is null ? ProvisioningLimits.Unlimited : ProvisioningLimits.Parse(protector.Read(attribute));
    }

    /// <summary>String values of ConnectionJSON properties whose names look secret (passwords, client secrets, keys, tokens).</summary>
    internal static IReadOnlyCollection<string> SecretsOf(string? connectionJson)
    {
        if (string.IsNullOrWhiteSpace(connectionJson)) return [];
        try
        {
            return JToken.Parse(connectionJson).SelectTokens("$..*").OfType<JValue>()
                .Where(v => v.Type == JTokenType.String && v.Parent is JProperty p && SecretWords.Any(w => p.Name.Contains(w, StringComparison.OrdinalIgnoreCase)))
                .Select(v => (string)v!).Where(s => s.Length >= 4 && !s.Contains("${", StringComparison.Ordinal)).Distinct().ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private async Task WriteBackTokensAsync(int connectionId, TokenUpdate update, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attribute = await db.ConnectionAttributes.SingleOrDefaultAsync(a => a.ConnectionId == connectionId && a.Name == ConnectionAttributeNames.ConnectionJson, ct);
        if (attribute is null || protector.Read(attribute) is not { } text || JToken.Parse(text) is not JObject root) return;
        if (root["authentications"]?[update.ProfileName] is not JObject profile) return;
        if (update.AccessToken is not null) profile["accessToken"] = update.AccessToken;
        if (update.RefreshToken is not null) profile["refreshToken"] = update.RefreshToken;
        protector.Store(attribute, root.ToString(Formatting.Indented));
        attribute.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }

    private static IReadOnlyDictionary<string, string>? TemplateVariables(Dictionary<string, string?> attributes)
    {
        if (!attributes.TryGetValue(ConnectionAttributeNames.AobConnectionTemplateVariables, out var text) || string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonConvert.DeserializeObject<Dictionary<string, string>>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The portal is not set up to run this task (no provisioning connection, ConnectionJSON missing…).</summary>
public sealed class ProvisioningSetupException(string message) : Exception(message);
