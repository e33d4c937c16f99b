using AdminPortal.Core.Domain;
using AdminPortal.Web.Security;

namespace AdminPortal.Web.Features.Provisioning;

public sealed record DecisionBody(string? Comment);

/// <summary>
/// Requests and provisioning API (docs/api.md). Bearer API tokens only, like the transport API. Requests are open
/// to every token user with the same rules as the pages (enforced by <see cref="AccessRequestService"/>); tasks and
/// WSRETRY need an administrator's token.
/// </summary>
public static class ProvisioningEndpoints
{
    public static void MapProvisioningEndpoints(this WebApplication app)
    {
        var requests = app.MapGroup("/api/requests").DisableAntiforgery()
            .RequireAuthorization(p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser());

        requests.MapPost("", (NewAccessRequest body, AccessRequestService service, HttpContext http) =>
            Run(async () =>
            {
                var created = await service.CreateAsync(body, Actor.From(http.User), http.RequestAborted);
                return Results.Created($"/api/requests/{created.Id}", Shape(created));
            }));
        requests.MapGet("/{id:long}", (long id, AccessRequestService service, HttpContext http) =>
            Run(async () => Results.Ok(Shape(await service.GetAsync(id, Actor.From(http.User), http.RequestAborted)))));
        requests.MapPost("/{id:long}/approve", (long id, DecisionBody? body, AccessRequestService service, HttpContext http) =>
            Run(async () => Results.Ok(Shape(await service.DecideAsync(id, true, body?.Comment, Actor.From(http.User), http.RequestAborted)))));
        requests.MapPost("/{id:long}/reject", (long id, DecisionBody? body, AccessRequestService service, HttpContext http) =>
            Run(async () => Results.Ok(Shape(await service.DecideAsync(id, false, body?.Comment, Actor.From(http.User), http.RequestAborted)))));

        var tasks = app.MapGroup("/api").RequireAuthorization(Policies.ApiAdmin).DisableAntiforgery();
        tasks.MapGet("/tasks", (string? state, string? endpoint, string? type, string? error, ProvisioningTaskService service, HttpContext http) => Run(async () =>
        {
            ProvisioningTaskStatus? s = null;
            ProvisioningTaskType? t = null;
            if (!string.IsNullOrEmpty(state))
            {
                if (!Enum.TryParse<ProvisioningTaskStatus>(state, true, out var parsed) || !Enum.IsDefined(parsed)) return Results.BadRequest(new { errors = new { state = $"Unknown state '{state}'." } });
                s = parsed;
            }

            if (!string.IsNullOrEmpty(type))
            {
                if (!Enum.TryParse<ProvisioningTaskType>(type, true, out var parsed) || !Enum.IsDefined(parsed)) return Results.BadRequest(new { errors = new { type = $"Unknown type '{type}'." } });
                t = parsed;
            }

            var rows = await service.ListAsync(new TaskFilter(s, endpoint, t, error), null, http.RequestAborted);
            return Results.Ok(rows.Select(Shape));
        }));
        tasks.MapPost("/tasks/{id:long}/retry", (long id, ProvisioningTaskService service, HttpContext http) =>
            Run(async () => Results.Ok(Shape(await service.RetryAsync(id, http.User.Identity!.Name!, http.RequestAborted)))));
        tasks.MapPost("/provisioning/run", (ProvisioningQueue queue, Audit.AuditService audit, HttpContext http) => Run(async () =>
        {
            await audit.WriteAsync(http.User.Identity!.Name!, "provisioning.run", "job", "WSRETRY", "api", http.RequestAborted);
            queue.RunDue("api");
            return Results.Accepted(value: new { status = "queued" });
        }));
    }

    private static async Task<IResult> Run(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (KeyNotFoundException e)
        {
            return Results.NotFound(new { errors = new { id = e.Message } });
        }
        catch (AccessDeniedException e)
        {
            return Results.Json(new { errors = new { authorization = e.Message } }, statusCode: StatusCodes.Status403Forbidden);
        }
        catch (RequestValidationException e)
        {
            return Results.BadRequest(new { errors = e.Errors });
        }
        catch (InvalidOperationException e)
        {
            return Results.Conflict(new { errors = new { state = e.Message } });
        }
    }

    private static object Shape(RequestView r) => new
    {
        id = r.Id, requester = r.Requester, @for = r.Beneficiary, endpoint = r.Endpoint, kind = r.Kind.ToString(), status = r.Status.ToString(),
        businessJustification = r.BusinessJustification, attributes = r.Attributes, approvers = r.Approvers, decidedBy = r.DecidedBy, decisionComment = r.DecisionComment,
        createdUtc = r.CreatedUtc, decidedUtc = r.DecidedUtc,
        items = r.Items.Select(i => new { entitlementValueId = i.EntitlementValueId, type = i.Type, value = i.Value, action = i.Action }),
        tasks = r.Tasks.Select(Shape),
        history = r.History.Select(h => new { utc = h.Utc, actor = h.Actor, action = h.Action, details = h.Details }),
    };

    private static object Shape(TaskRow t) => new
    {
        id = t.Id, type = t.Type.ToString(), state = t.Status.ToString(), endpoint = t.Endpoint, account = t.Account, user = t.User, entitlement = t.Entitlement,
        requestId = t.RequestId, attempts = t.Attempts, nextAttemptUtc = t.NextAttemptUtc, lastError = t.LastError, errorSignature = t.ErrorSignature,
        comment = t.Comment, completedBy = t.CompletedBy, createdUtc = t.CreatedUtc, completedUtc = t.CompletedUtc,
    };
}
