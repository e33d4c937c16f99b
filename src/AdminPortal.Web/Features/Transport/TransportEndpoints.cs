using AdminPortal.Web.Security;
using Microsoft.AspNetCore.Mvc;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Transport;

public sealed record ExportRequest(string[]? Connections, string[]? SecuritySystems, string[]? Endpoints);

/// <summary>
/// The transport API for automation (docs/api.md). Bearer API tokens only: cookies are not accepted
/// under /api, so these endpoints cannot be driven cross-site and need no antiforgery token.
/// </summary>
public static class TransportEndpoints
{
    public const long MaxUploadBytes = 60 * 1024 * 1024;

    public static void MapTransportEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api/transport").RequireAuthorization(Policies.ApiAdmin).DisableAntiforgery();

        api.MapPost("/import", async (HttpRequest request, [FromQuery] bool? preview, TransportService transport, HttpContext http) =>
        {
            if (!request.HasFormContentType) return Results.BadRequest(new { status = "failed", errors = new[] { "Send multipart/form-data with the zip in the field 'package'." } });
            var form = await request.ReadFormAsync(http.RequestAborted);
            var file = form.Files["package"];
            if (file is null) return Results.BadRequest(new { status = "failed", errors = new[] { "The multipart field 'package' is missing." } });
            if (file.Length > MaxUploadBytes) return Results.BadRequest(new { status = "failed", errors = new[] { $"'{file.FileName}' is larger than {MaxUploadBytes} bytes." } });
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, http.RequestAborted);
            var bytes = buffer.ToArray();
            if (preview == true)
            {
                var p = await transport.PreviewAsync(bytes, file.FileName, http.RequestAborted);
                return Results.Ok(new
                {
                    status = p.IsValid ? "preview" : "failed",
                    sha256 = p.Sha256,
                    objects = p.Objects.Select(o => new { kind = o.Kind, name = o.Name, state = o.State, action = o.DefaultAction, reason = o.Reason, errors = Array.Empty<string>(), attributes = o.Attributes.Select(a => new { attribute = a.Attribute, change = a.Change }) }),
                    errors = p.Errors,
                    warnings = p.Warnings,
                });
            }

            Dictionary<string, string>? decisions = null;
            if (form.TryGetValue("decisions", out var decisionsJson) && !string.IsNullOrWhiteSpace(decisionsJson))
            {
                try
                {
                    decisions = JsonConvert.DeserializeObject<Dictionary<string, string>>(decisionsJson!);
                }
                catch (JsonException e)
                {
                    return Results.BadRequest(new { status = "failed", errors = new[] { $"decisions: {e.Message}" } });
                }
            }

            var outcome = await transport.ImportAsync(bytes, file.FileName, decisions, http.User.Identity!.Name!, "api", http.RequestAborted);
            var body = new
            {
                status = outcome.Status,
                importId = outcome.ImportId,
                objects = outcome.Objects.Select(o => new { kind = o.Kind, name = o.Name, action = o.Action, errors = o.Errors }),
                errors = outcome.Errors,
                warnings = outcome.Warnings,
            };
            return outcome.Status == "succeeded" ? Results.Ok(body) : Results.UnprocessableEntity(body);
        });

        api.MapPost("/export", async (ExportRequest body, TransportService transport, HttpContext http) =>
        {
            try
            {
                var (zip, name) = await transport.ExportAsync(body.Connections ?? [], body.SecuritySystems ?? [], body.Endpoints ?? [], http.User.Identity!.Name!, http.RequestAborted);
                return Results.File(zip, "application/zip", name);
            }
            catch (KeyNotFoundException e)
            {
                return Results.NotFound(new { status = "failed", errors = new[] { e.Message } });
            }
        });

        api.MapGet("/history", async (TransportService transport, HttpContext http) =>
            (await transport.HistoryAsync(200, http.RequestAborted)).Select(h => new
            {
                id = h.Id, utc = h.Utc, actor = h.Actor, fileName = h.FileName, sha256 = h.Sha256, status = h.Status.ToString(), channel = h.Channel,
                objects = h.OutcomeJson is null ? null : JsonConvert.DeserializeObject(h.OutcomeJson),
                previousVersions = h.PreviousVersions.Select(v => new { id = v.Id, kind = v.Kind, name = v.Name, restoredUtc = v.RestoredUtc }),
            }));

        // The page's download link: cookie-authenticated, read-only (export writes only an audit event).
        app.MapGet("/admin/transport/export", async ([FromQuery] string? connections, [FromQuery] string? systems, [FromQuery] string? endpoints, TransportService transport, HttpContext http) =>
        {
            static string[] Split(string? s) => string.IsNullOrWhiteSpace(s) ? [] : s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            try
            {
                var (zip, name) = await transport.ExportAsync(Split(connections), Split(systems), Split(endpoints), http.User.Identity!.Name!, http.RequestAborted);
                return Results.File(zip, "application/zip", name);
            }
            catch (KeyNotFoundException e)
            {
                return Results.NotFound(e.Message);
            }
        }).RequireAuthorization(Policies.Admin);
    }
}
