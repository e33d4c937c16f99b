using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Jobs;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Features.SecuritySystems;
using AdminPortal.Web.Security;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Api;

public sealed record SecuritySystemBody(string? DisplayName, string? Description, string? ImportConnection, string? ProvisioningConnection, bool InstantProvisioning);

public sealed record EntitlementTypeBody(string Name, int Order, Dictionary<string, string>? Labels);

public sealed record EndpointBody(string SecuritySystem, string? DisplayName, string? Description, string? Owner, string? AccountNameRule, string? CorrelationRule,
    string? ApproverMode, string? ApproverUsernames, List<EntitlementTypeBody>? EntitlementTypes);

public sealed record ImportBody(string Endpoint, string? Mode, bool Preview);

/// <summary>
/// The management API (docs/api.md): security systems, endpoints, imports and the repository, for
/// automation. Bearer API tokens of administrators only, like the transport API; also serves the OpenAPI
/// document to signed-in administrators.
/// </summary>
public static class ManagementApi
{
    public const int DefaultPageSize = 50;

    public static void MapManagementApi(this WebApplication app)
    {
        app.MapOpenApi().RequireAuthorization(Policies.Admin);
        var api = app.MapGroup("/api").RequireAuthorization(Policies.ApiAdmin).DisableAntiforgery().WithTags("Management");

        api.MapGet("/security-systems/{name}", async (string name, SecuritySystemService systems, HttpContext http) =>
            await systems.GetAsync(name, http.RequestAborted) is { } s ? Results.Ok(SystemJson(s)) : NotFound($"No security system named '{name}'."));

        api.MapPut("/security-systems/{name}", async (string name, SecuritySystemBody body, SecuritySystemService systems, HttpContext http) =>
        {
            var existing = await systems.GetAsync(name, http.RequestAborted);
            var errors = await systems.SaveAsync(existing?.Id, new SecuritySystemEdit(name, body.DisplayName, body.Description, body.ImportConnection, body.ProvisioningConnection, body.InstantProvisioning),
                Actor(http), http.RequestAborted);
            if (errors.Count > 0) return Results.BadRequest(new { status = "failed", errors });
            var saved = SystemJson((await systems.GetAsync(name, http.RequestAborted))!);
            return existing is null ? Results.Created($"/api/security-systems/{Uri.EscapeDataString(name)}", saved) : Results.Ok(saved);
        });

        api.MapGet("/endpoints/{name}", async (string name, SecuritySystemService systems, HttpContext http) =>
            await systems.GetEndpointAsync(name, http.RequestAborted) is { } e ? Results.Ok(EndpointJson(e)) : NotFound($"No endpoint named '{name}'."));

        api.MapPut("/endpoints/{name}", async (string name, EndpointBody body, SecuritySystemService systems, HttpContext http) =>
        {
            var errors = new Dictionary<string, string>();
            var approverMode = ApproverMode.Manager;
            if (!string.IsNullOrWhiteSpace(body.ApproverMode) && !Enum.TryParse(body.ApproverMode, true, out approverMode))
                errors["ApproverMode"] = $"ApproverMode '{body.ApproverMode}' is not one of {string.Join(", ", Enum.GetNames<ApproverMode>())}.";
            if (errors.Count > 0) return Results.BadRequest(new { status = "failed", errors });
            var types = (body.EntitlementTypes ?? []).Select(t => new EntitlementTypeEdit(t.Name ?? "", t.Order,
                t.Labels is { Count: > 0 } l ? Newtonsoft.Json.JsonConvert.SerializeObject(l) : null)).ToList();
            var existing = await systems.GetEndpointAsync(name, http.RequestAborted);
            errors = await systems.SaveEndpointAsync(existing?.Id, new EndpointEdit(name, body.DisplayName, body.Description, body.SecuritySystem ?? "", body.Owner,
                body.AccountNameRule, body.CorrelationRule, approverMode, body.ApproverUsernames, types), Actor(http), http.RequestAborted);
            if (errors.Count > 0) return Results.BadRequest(new { status = "failed", errors });
            var saved = EndpointJson((await systems.GetEndpointAsync(name, http.RequestAborted))!);
            return existing is null ? Results.Created($"/api/endpoints/{Uri.EscapeDataString(name)}", saved) : Results.Ok(saved);
        });

        api.MapPost("/imports", async (ImportBody body, JobService jobs, HttpContext http) =>
        {
            try
            {
                var runId = await jobs.RunNowAsync(body.Endpoint ?? "", string.IsNullOrWhiteSpace(body.Mode) ? "full" : body.Mode, body.Preview, Actor(http), "api", http.RequestAborted);
                return Results.Accepted($"/api/imports/{runId}", new { runId, status = nameof(JobRunStatus.Queued) });
            }
            catch (KeyNotFoundException e)
            {
                return NotFound(e.Message);
            }
            catch (ArgumentException e)
            {
                return Results.BadRequest(new { status = "failed", errors = new { Mode = e.Message } });
            }
        });

        api.MapGet("/imports/{runId:long}", async (long runId, JobService jobs, HttpContext http) =>
        {
            var run = await jobs.GetRunAsync(runId, http.RequestAborted);
            if (run is null) return NotFound($"No run {runId}.");
            var full = await jobs.GetRunWithLogAsync(runId, http.RequestAborted);
            JToken? plan = full?.PlanJson is { } json ? JToken.Parse(json) : null;
            return Results.Text(new JObject
            {
                ["runId"] = run.Id,
                ["endpoint"] = run.Endpoint,
                ["mode"] = run.Mode,
                ["preview"] = run.IsPreview,
                ["status"] = run.Status.ToString(),
                ["trigger"] = run.Trigger,
                ["requestedBy"] = run.RequestedBy,
                ["queuedUtc"] = run.QueuedUtc,
                ["startedUtc"] = run.StartedUtc,
                ["finishedUtc"] = run.FinishedUtc,
                ["phase"] = run.Phase,
                ["counters"] = new JObject
                {
                    ["read"] = run.Read, ["added"] = run.Added, ["changed"] = run.Changed, ["unchanged"] = run.Unchanged,
                    ["suspended"] = run.Suspended, ["inactivated"] = run.Inactivated, ["failed"] = run.Failed,
                },
                ["errors"] = run.Error is null ? new JArray() : new JArray(run.Error),
                ["plan"] = plan,
            }.ToString(Newtonsoft.Json.Formatting.None), "application/json");
        });

        api.MapPost("/imports/{runId:long}/approve", async (long runId, JobService jobs, HttpContext http) =>
        {
            try
            {
                var approval = await jobs.ApproveAsync(runId, Actor(http), http.RequestAborted);
                return Results.Accepted($"/api/imports/{approval}", new { runId = approval, approves = runId, status = nameof(JobRunStatus.Queued) });
            }
            catch (KeyNotFoundException e)
            {
                return NotFound(e.Message);
            }
            catch (InvalidOperationException e)
            {
                return Results.Conflict(new { status = "failed", errors = new[] { e.Message } });
            }
        });

        api.MapGet("/endpoints/{name}/accounts", async (string name, string? status, string? q, int? page, int? pageSize, string? after, RepositoryService repository, HttpContext http) =>
        {
            AccountStatus? parsed = null;
            if (!string.IsNullOrWhiteSpace(status))
            {
                if (!Enum.TryParse<AccountStatus>(status, true, out var s) || !Enum.IsDefined(s))
                    return Results.BadRequest(new { status = "failed", errors = new[] { $"status '{status}' is not one of {string.Join(", ", Enum.GetNames<AccountStatus>())}." } });
                parsed = s;
            }

            var filter = new AccountFilter(name, q, parsed);
            AccountCursor? cursor = null;
            if (after is not null)
            {
                // after= continues in name order from a `next` of an earlier page: an index seek at any depth (ADR-018); page= stays for compatibility.
                if (!filter.CountsFromTotals || page is not null)
                    return Results.BadRequest(new { status = "failed", errors = new[] { "after= pages the endpoint (and status) in name order; it is not combined with q= or page=." } });
                cursor = AccountCursor.Decode(after);
                if (cursor is null) return Results.BadRequest(new { status = "failed", errors = new[] { "after= is not a cursor from this API's `next`." } });
            }

            var (p, size) = Paging(page, pageSize);
            var result = cursor is null
                ? await repository.AccountsAsync(filter, null, (p - 1) * size, size, http.RequestAborted)
                : await repository.AccountsAfterAsync(filter, cursor, size, http.RequestAborted);
            if (!result.EndpointExists) return NotFound($"No endpoint named '{name}'.");
            var (rows, total, capped) = result;
            var links = await repository.EntitlementsOfAsync(rows.Select(r => r.Id).ToList(), http.RequestAborted);
            return Results.Ok(new
            {
                // totalCapped: a q= search matched more than `total` (RepositoryService.CountCap) accounts; it was not counted further.
                // next: pass as after= for the following page in name order (null on the last page, and for searches).
                page = cursor is null ? p : (int?)null, pageSize = size, total, totalCapped = capped, next = result.Next?.Encode(),
                items = rows.Select(a => new
                {
                    accountId = a.AccountId, name = a.Name, displayName = a.DisplayName, status = a.Status.ToString(), owner = a.Owner?.Username,
                    lastSeenRunId = a.LastSeenRunId,
                    entitlementIds = links.GetValueOrDefault(a.Id)?.Select(l => l.EntitlementId) ?? [],
                    entitlements = links.GetValueOrDefault(a.Id)?.Select(l => new { type = l.Type, id = l.EntitlementId }) ?? [],
                }),
            });
        });

        api.MapGet("/endpoints/{name}/entitlements", async (string name, string? type, int? page, int? pageSize, RepositoryService repository, SecuritySystemService systems, HttpContext http) =>
        {
            if (await systems.GetEndpointAsync(name, http.RequestAborted) is null) return NotFound($"No endpoint named '{name}'.");
            var (p, size) = Paging(page, pageSize);
            var (rows, total) = await repository.EntitlementsAsync(name, type, null, null, null, false, (p - 1) * size, size, http.RequestAborted);
            return Results.Ok(new
            {
                page = p, pageSize = size, total,
                items = rows.Select(e => new { type = e.Type, id = e.EntitlementId, value = e.Value, displayName = e.DisplayName, status = e.Status.ToString(), members = e.Members }),
            });
        });
    }

    private static (int Page, int Size) Paging(int? page, int? pageSize) =>
        (Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? DefaultPageSize, 1, RepositoryService.MaxPageSize));

    private static string Actor(HttpContext http) => http.User.Identity!.Name!;

    private static IResult NotFound(string message) => Results.NotFound(new { status = "failed", errors = new[] { message } });

    private static object SystemJson(SecuritySystem s) => new
    {
        name = s.Name, displayName = s.DisplayName, description = s.Description,
        importConnection = s.ImportConnection?.Name, provisioningConnection = s.ProvisioningConnection?.Name,
        instantProvisioning = s.InstantProvisioning, endpoints = s.Endpoints.Select(e => e.Name).OrderBy(n => n),
    };

    private static object EndpointJson(Core.Domain.Endpoint e) => new
    {
        name = e.Name, displayName = e.DisplayName, description = e.Description, securitySystem = e.SecuritySystem?.Name, owner = e.Owner?.Username,
        accountNameRule = e.AccountNameRule, correlationRule = e.CorrelationRule, approverMode = e.ApproverMode.ToString(), approverUsernames = e.ApproverUsernames,
        entitlementTypes = e.EntitlementTypes.OrderBy(t => t.DisplayOrder).Select(t => new
        {
            name = t.Name, order = t.DisplayOrder,
            labels = string.IsNullOrWhiteSpace(t.CustomPropertyLabelsJson) ? null : Newtonsoft.Json.JsonConvert.DeserializeObject<Dictionary<string, string>>(t.CustomPropertyLabelsJson),
        }),
    };
}
