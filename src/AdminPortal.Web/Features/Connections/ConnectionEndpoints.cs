using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Web.Security;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Connections;

/// <summary>
/// The connections and expression API (docs/api.md). Bearer API tokens only, like the transport API. Secrets are
/// write-only: GET answers them as <see cref="SecretMasker.Mask"/>, and PUT treats a masked value as "keep".
/// </summary>
public static class ConnectionEndpoints
{
    public const int MaxBodyChars = 4 * 1024 * 1024;

    public static void MapConnectionEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.ApiAdmin).DisableAntiforgery();

        api.MapGet("/connections/{name}", async (string name, ConnectionService connections, HttpContext http) =>
            await connections.GetDecryptedAsync(name, http.RequestAborted) is { } c
                ? Results.Ok(Describe(c))
                : Results.NotFound(new { status = "failed", errors = new[] { $"No connection named '{name}'." } }));

        api.MapPut("/connections/{name}", async (string name, HttpRequest request, ConnectionService connections, HttpContext http) =>
        {
            var (body, parseError) = await ReadObjectAsync(request);
            if (body is null) return Failed(StatusCodes.Status400BadRequest, parseError!);
            var actor = http.User.Identity!.Name!;
            var existing = await connections.GetDecryptedAsync(name, http.RequestAborted);

            // Validate everything first: a refused request writes nothing.
            var errors = new List<string>();
            // A misspelt field ("descriptoin") must not be ignored while the call answers 200. The read-only
            // fields of the GET answer are accepted (and ignored) so a GET → edit → PUT round trip works.
            errors.AddRange(body.Properties().Where(p => !WritableFields.Contains(p.Name) && !ReadOnlyFields.Contains(p.Name))
                .Select(p => $"{p.Name}: unknown field; known fields are {string.Join(", ", WritableFields)}."));
            var details = new ConnectionDetails(
                Str(body, "name") ?? name,
                body.ContainsKey("description") ? Str(body, "description") : existing?.Description,
                Str(body, "connectionType") ?? existing?.ConnectionType ?? "REST",
                body.ContainsKey("defaultSavRole") ? Str(body, "defaultSavRole") : existing?.DefaultSavRole,
                body.ContainsKey("emailTemplate") ? Str(body, "emailTemplate") : existing?.EmailTemplate);
            errors.AddRange(ConnectionService.ValidateDetails(details).Select(e => $"{e.Key}: {e.Value}"));

            var attributes = new List<(string Name, string? Text)>();
            if (body["attributes"] is { Type: not JTokenType.Null } attributesToken)
            {
                if (attributesToken is not JObject attributeObject)
                {
                    errors.Add("attributes: expected an object of attribute name → JSON text.");
                }
                else
                {
                    foreach (var p in attributeObject.Properties())
                    {
                        var text = p.Value.Type switch
                        {
                            JTokenType.Null => null,
                            JTokenType.String => (string?)p.Value,
                            _ => p.Value.ToString(Formatting.Indented), // an attribute sent as JSON rather than as text
                        };
                        var stored = existing?.Attribute(p.Name);
                        if (stored is null && !ConnectionAttributeNames.All.Contains(p.Name, StringComparer.Ordinal))
                        {
                            errors.Add($"{p.Name}: not a connection attribute (REST-CONNECTOR §1.1).");
                            continue;
                        }

                        errors.AddRange(ConnectionService.ValidateForSave(p.Name, text));
                        var merged = SecretMasker.MergeBack(p.Name, text, stored?.Value);
                        errors.AddRange(merged.Errors);
                        attributes.Add((stored?.Name ?? p.Name, text));
                    }
                }
            }

            var targetGiven = body.ContainsKey("baseUrl") || body.ContainsKey("urlRewrites");
            var baseUrl = body.ContainsKey("baseUrl") ? Str(body, "baseUrl") : existing?.BaseUrl;
            var rewrites = body.ContainsKey("urlRewrites")
                ? body["urlRewrites"] is { Type: not JTokenType.Null } r ? r.ToString(Formatting.None) : null
                : existing?.UrlRewritesJson;
            if (targetGiven && ConnectionService.ValidateTargetSettings(baseUrl, rewrites) is { } targetError) errors.Add(targetError);
            if (errors.Count > 0) return Failed(StatusCodes.Status422UnprocessableEntity, errors.ToArray());

            var current = details.Name.Trim();
            var applied = await connections.ApplyAsync(name, new ConnectionChange(details, attributes, targetGiven, baseUrl, rewrites), actor, http.RequestAborted);
            if (applied.Errors.Count > 0)
                return Failed(applied.StoreFailed ? StatusCodes.Status500InternalServerError : StatusCodes.Status422UnprocessableEntity, applied.Errors.ToArray());
            var created = applied.Created;

            var result = Describe((await connections.GetDecryptedAsync(current, http.RequestAborted))!);
            return created ? Results.Created($"/api/connections/{Uri.EscapeDataString(current)}", result) : Results.Ok(result);
        });

        api.MapPost("/expressions/evaluate", async (HttpRequest request, ExpressionPlayground playground, HttpContext http) =>
        {
            var (body, parseError) = await ReadObjectAsync(request);
            if (body is null) return Failed(StatusCodes.Status400BadRequest, parseError!);
            var outcome = await playground.EvaluateAsync(new ExpressionRequest(Str(body, "template"), Str(body, "user"), Str(body, "account"), Str(body, "endpoint"), body["record"]), http.RequestAborted);
            return outcome.Error is null
                ? Results.Ok(new { result = outcome.Result })
                : Results.UnprocessableEntity(new { error = outcome.Error, position = outcome.Position, line = outcome.Line, column = outcome.Column });
        });
    }

    /// <summary>The API view of a connection: attributes with every secret value masked.</summary>
    private static object Describe(Connection c) => new
    {
        name = c.Name,
        description = c.Description,
        connectionType = c.ConnectionType,
        defaultSavRole = c.DefaultSavRole,
        emailTemplate = c.EmailTemplate,
        connectionJsonNeedsEntry = c.ConnectionJsonNeedsEntry,
        baseUrl = c.BaseUrl,
        urlRewrites = ConnectorEngineFactory.ParseRewrites(c.UrlRewritesJson).Select(r => new { from = r.FromPrefix, to = r.ToPrefix }),
        placeholders = c.Attributes.SelectMany(a => PlaceholderScanner.Find(a.Value)).Select(o => o.Token).Distinct().ToList(),
        attributes = c.Attributes.ToDictionary(a => a.Name, a => a.Value is null ? null : SecretMasker.MaskSecrets(a.Value).Text),
        updatedUtc = c.UpdatedUtc,
    };

    private static readonly string[] WritableFields = ["name", "description", "connectionType", "defaultSavRole", "emailTemplate", "baseUrl", "urlRewrites", "attributes"];
    private static readonly string[] ReadOnlyFields = ["connectionJsonNeedsEntry", "placeholders", "updatedUtc"];

    private static string? Str(JObject body, string key) => body[key] is JValue { Value: not null } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    private static IResult Failed(int status, params string[] errors) => Results.Json(new { status = "failed", errors }, statusCode: status);

    private static async Task<(JObject? Body, string? Error)> ReadObjectAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = new System.Text.StringBuilder();
        var chunk = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            text.Append(chunk, 0, read);
            if (text.Length > MaxBodyChars) return (null, $"The body is larger than {MaxBodyChars} characters.");
        }

        try
        {
            return JToken.Parse(text.ToString()) is JObject o ? (o, null) : (null, "The body must be a JSON object.");
        }
        catch (JsonReaderException e)
        {
            return (null, $"The body is not JSON: {e.Message.Split(". Path")[0]} (line {e.LineNumber}, position {e.LinePosition}).");
        }
    }
}
