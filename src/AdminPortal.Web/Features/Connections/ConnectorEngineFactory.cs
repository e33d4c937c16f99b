using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Connections;

/// <summary>
/// The one place that turns a stored connection into a running <see cref="ConnectorEngine"/>: the "connectors"
/// HTTP client (no cookies, no redirects, resilience handler), base URL, ordered URL rewrites, the connection's
/// secrets registered for redaction, and refreshed tokens written back into ConnectionJSON.
/// </summary>
public class ConnectorEngineFactory(
    IHttpClientFactory httpClientFactory,
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    AttributeProtector protector,
    TimeProvider clock,
    ILogger<ConnectorEngineFactory> logger)
{
    /// <summary>Name of the IHttpClientFactory client every connector call uses.</summary>
    public const string HttpClientName = "connectors";

    /// <summary>Attribute name → clear text (ConnectionJSON decrypted). <paramref name="connection"/> must include its attributes.</summary>
    public Dictionary<string, string?> DecryptAttributes(Connection connection) =>
        connection.Attributes.ToDictionary(a => a.Name, a => a.IsEncrypted ? protector.Read(a) : a.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>The parsed connection (AOB_CONNECTION_TEMPLATE_VARIABLES applied). Throws ConnectorConfigException.</summary>
    public static ConnectorConnection Parse(string connectionName, IReadOnlyDictionary<string, string?> attributes) =>
        ConnectorConnection.FromAttributes(attributes, TemplateVariables(attributes), connectionName);

    public ConnectorEngine Create(Connection connection, IReadOnlyDictionary<string, string?> attributes, IExchangeRecorder? recorder = null) =>
        new(new ConnectorEngineOptions
        {
            HttpClientFactory = () => httpClientFactory.CreateClient(HttpClientName),
            BaseUrl = connection.BaseUrl,
            UrlRewrites = ParseRewrites(connection.UrlRewritesJson),
            Recorder = recorder ?? NullExchangeRecorder.Instance,
            SecretValues = attributes.Values.SelectMany(SecretMasker.SecretValues).Distinct(StringComparer.Ordinal).ToList(),
            OnTokensRefreshed = (update, token) => WriteBackTokensAsync(connection.Id, update, token),
            TimeProvider = clock,
        });

    /// <summary>Stores tokens obtained at run time in the profile of ConnectionJSON they belong to.</summary>
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
        logger.LogInformation("Stored refreshed tokens of profile {Profile} on connection {ConnectionId}", update.ProfileName, connectionId);
    }

    private static IReadOnlyDictionary<string, string>? TemplateVariables(IReadOnlyDictionary<string, string?> attributes)
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

    public static IReadOnlyList<UrlRewrite> ParseRewrites(string? json) =>
        string.IsNullOrWhiteSpace(json)
            ? []
            : JsonConvert.DeserializeObject<List<UrlRewriteRow>>(json)!.Where(r => !string.IsNullOrWhiteSpace(r.From)).Select(r => new UrlRewrite(r.From!, r.To ?? "")).ToList();

    public sealed record UrlRewriteRow(string? From, string? To);
}
