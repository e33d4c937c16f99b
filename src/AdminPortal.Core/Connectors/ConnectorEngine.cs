using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Connectors.Provisioning;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors;

/// <summary>Result of "Save &amp; Test Connection": success flag, message and the redacted exchanges.</summary>
public sealed record TestConnectionResult(bool Success, string Message, string ProfileName, IReadOnlyList<HttpExchange> Exchanges);

/// <summary>Host entry point: run an import or test a connection profile.</summary>
public sealed class ConnectorEngine
{
    private readonly ConnectorEngineOptions _options;

    public ConnectorEngine(ConnectorEngineOptions options) => _options = options;

    /// <summary>Runs ImportAccountEntJSON and streams records to <paramref name="sink"/>. Never throws for target or
    /// configuration problems: the result says whether the read is proven complete.</summary>
    public Task<ImportResult> RunImportAsync(ConnectorConnection connection, IImportSink sink, CancellationToken ct = default)
        => new ImportEngine(_options).RunAsync(connection, sink, ct);

    /// <summary>Runs one provisioning operation (CreateAccountJSON, AddAccessJSON, …) of <paramref name="connection"/> for
    /// one task. Never throws for target or configuration problems: the result says what happened. Only cancellation throws.</summary>
    public Task<ProvisioningResult> RunProvisioningAsync(ConnectorConnection connection, ProvisioningRequest request, CancellationToken ct = default)
        => new ProvisioningEngine(_options).RunAsync(connection, request, ct);

    /// <summary>A session that runs several provisioning tasks of <paramref name="connection"/> with shared token state
    /// (one token call for a batch instead of one per task) and rate-limit counting; see <see cref="ProvisioningSession"/>.</summary>
    public ProvisioningSession OpenProvisioningSession(ConnectorConnection connection) => new(_options, connection);

    /// <summary>Runs the profile's testConnectionParams call, or else its token call, and reports the redacted exchange.
    /// Profile defaults to the only/first profile.</summary>
    public async Task<TestConnectionResult> TestConnectionAsync(ConnectionDefinition connection, string? profileName = null, CancellationToken ct = default)
    {
        var profile = profileName is not null ? connection.Get(profileName, "test connection") : connection.Profiles.Values.FirstOrDefault()
            ?? throw new ConnectorConfigException(ConnectionDefinition.AttributeName, "authentications", "no profile defined");
        var local = new InMemoryExchangeRecorder();
        var options = _options.AlsoRecordingTo(local);
        var redactor = new SecretRedactor(options.SecretValues);
        var exec = new CallExecutor(options, redactor);
        var session = new AuthSession(profile, exec, options);
        try
        {
            if (profile.TestConnectionParams is { } tcp)
            {
                var httpObj = tcp["http"] as JObject ?? throw new ConnectorConfigException(ConnectionDefinition.AttributeName, tcp.Path, "testConnectionParams.http is required");
                var reader = new ConfigReader(ConnectionDefinition.AttributeName);
                var spec = HttpSpec.Read(reader, httpObj);
                var r = await session.ExecuteAsync(b => RequestBuilder.Prepare(spec, b, options.JsonEscapeBodyValues, options.ExpressionLimits, profileBaseUrl: profile.BaseUrl), null, $"test connection {profile.Name}", ct).ConfigureAwait(false);
                var (ok, msg) = Judge(tcp, reader, r, redactor);
                return new TestConnectionResult(ok, msg, profile.Name, local.Exchanges);
            }
            if (profile.TokenCall is not null && !profile.IsAuthType("Basic"))
            {
                await session.RefreshAsync("test connection", ct).ConfigureAwait(false);
                return new TestConnectionResult(true, "token obtained", profile.Name, local.Exchanges);
            }
            return new TestConnectionResult(false, "nothing to test: the profile has neither testConnectionParams nor a token url", profile.Name, local.Exchanges);
        }
        catch (AuthException ex)
        {
            return new TestConnectionResult(false, ex.Message, profile.Name, local.Exchanges);
        }
        catch (Templates.ExpressionException ex)
        {
            return new TestConnectionResult(false, "template error: " + ex.Message, profile.Name, local.Exchanges);
        }
    }

    private static (bool, string) Judge(JObject tcp, ConfigReader reader, HttpCallResult r, SecretRedactor redactor)
    {
        if (r.TransportError is { } te) return (false, "request failed: " + redactor.RedactText(te.Message));
        if (r.LooksLikeHtml) return (false, $"HTTP {r.StatusCode}: HTML received where JSON was expected");
        if (!r.IsSuccessStatus) return (false, $"HTTP {r.StatusCode}: {redactor.RedactText(r.BodySnippet())}");
        var errorPath = reader.String(tcp, "errorPath");
        var errors = reader.StringList(tcp, "errors");
        if (errorPath is not null && errors.Count > 0 && JsonPaths.ToText(JsonPaths.Select(r.Json, errorPath)) is { } ev && errors.Contains(ev))
            return (false, $"error '{ev}' at {errorPath}");
        var successPath = reader.String(tcp, "successResponsePath");
        var expected = reader.StringList(tcp, "successResponses");
        if (expected.Count == 0) expected = reader.StringList(tcp, "successResponse");
        if (successPath is not null && expected.Count > 0)
        {
            var v = JsonPaths.ToText(JsonPaths.Select(r.Json, successPath));
            return v is not null && expected.Contains(v) ? (true, $"HTTP {r.StatusCode}, {successPath} = {v}") : (false, $"{successPath} = '{v}' is not one of the expected values");
        }
        return (true, $"HTTP {r.StatusCode}");
    }
}
