using HttpExchange = AdminPortal.Core.Connectors.Http.HttpExchange;
using AdminPortal.Core.Domain;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>
/// Everything one provisioning task hands the engine (REST-CONNECTOR.md §6.5 binding variables). The host
/// (tasks, WSRETRY, instant provisioning) builds it from the database; the engine turns it into bindings.
/// Maps use the attribute names the packages use (<c>username</c>, <c>firstname</c>, <c>email</c>,
/// <c>customproperty4</c>, <c>accountID</c>, <c>entitlement_value</c>, <c>entitlementID</c>, …); lookups are
/// case-insensitive.
/// </summary>
public sealed class ProvisioningRequest
{
    public required ProvisioningTaskType Operation { get; init; }

    /// <summary>The task's id (binding <c>task.taskkey</c>/<c>arsTasks</c>) and request id (<c>requestid</c>).</summary>
    public long TaskId { get; init; }
    public long? RequestId { get; init; }

    /// <summary><c>user.*</c>: the person the account belongs to.</summary>
    public IReadOnlyDictionary<string, object?> User { get; init; } = new Dictionary<string, object?>();

    /// <summary><c>account.*</c>: the existing account (null for create).</summary>
    public IReadOnlyDictionary<string, object?>? Account { get; init; }

    /// <summary><c>entitlementValue.*</c> for add/remove access; <see cref="EntitlementTypeName"/> picks which calls run.</summary>
    public IReadOnlyDictionary<string, object?>? EntitlementValue { get; init; }
    public string? EntitlementTypeName { get; init; }

    /// <summary><c>endpoint.*</c> (endpointname, displayName, customproperty…).</summary>
    public IReadOnlyDictionary<string, object?> Endpoint { get; init; } = new Dictionary<string, object?>();

    /// <summary>The endpoint's account-name rule (a <c>${...}</c> template); binding <c>accountName</c> is its result,
    /// unless <see cref="AccountName"/> is given.</summary>
    public string? AccountNameRule { get; init; }
    public string? AccountName { get; init; }

    public string? Password { get; init; }
    public string? BusinessJustification { get; init; }

    /// <summary><c>requestAccessAttributes</c> / <c>reqAttrs</c>.</summary>
    public IReadOnlyDictionary<string, object?> RequestAttributes { get; init; } = new Dictionary<string, object?>();

    /// <summary><c>userManager</c> (the manager's user record) and <c>managerAccount</c> (the manager's account on this endpoint).</summary>
    public IReadOnlyDictionary<string, object?>? UserManager { get; init; }
    public IReadOnlyDictionary<string, object?>? ManagerAccount { get; init; }

    /// <summary><c>approvers</c>: one map per approver (username, email…).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Approvers { get; init; } = [];

    /// <summary>Extra fields of the task, merged into <c>task.*</c>/<c>arsTasks.*</c> (e.g. <c>provisioningcomments</c>,
    /// <c>source</c>); the engine already binds taskkey/taskid/id, tasktype, requestkey/requestid, source, endpoint,
    /// accountName, password, businessjustification, entitlement_value, entitlementtype.</summary>
    public IReadOnlyDictionary<string, object?> TaskAttributes { get; init; } = new Dictionary<string, object?>();

    /// <summary><c>account_entitlements.*</c>: the account↔entitlement link row, for remove access (optional).</summary>
    public IReadOnlyDictionary<string, object?>? AccountEntitlement { get; init; }
}

/// <summary>What one provisioning operation did. <see cref="Success"/> is true only when every call's success criteria held.</summary>
public sealed class ProvisioningResult
{
    public required bool Success { get; init; }

    /// <summary>The connection defines no JSON for this operation (or, for access, no call for the entitlement type).</summary>
    public bool NotConfigured { get; init; }

    /// <summary>The target's error (status, message from the body), redacted.</summary>
    public string? Error { get; init; }

    /// <summary>Stable grouping key for failures (e.g. "HTTP 409 /iam/v2/service-accounts"), without ids or values.</summary>
    public string? ErrorSignature { get; init; }

    /// <summary>True when trying again later may succeed (429, 5xx, timeouts, transport errors).</summary>
    public bool Retryable { get; init; }

    /// <summary>The target's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when at least one request left the portal (so a retry could duplicate a side effect).</summary>
    public bool AnyCallSent { get; init; }

    /// <summary>From <c>accountIdPath</c> (create).</summary>
    public string? AccountId { get; init; }

    /// <summary>From <c>responseColsToPropsMap</c>: account column → value.</summary>
    public IReadOnlyDictionary<string, string?> AccountProperties { get; init; } = new Dictionary<string, string?>();

    public IReadOnlyList<HttpExchange> Exchanges { get; init; } = [];

    /// <summary>Things the host may want to show but that did not fail the task (e.g. accountIdPath found nothing,
    /// every call skipped by its callCondition).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Per executed call: name, HTTP status and whether its criteria held (in order).</summary>
    public IReadOnlyList<ProvisioningCallOutcome> Calls { get; init; } = [];
}

/// <summary>What one executed call did. <see cref="Skipped"/> calls were not sent (callCondition false / empty callListPath).</summary>
public sealed record ProvisioningCallOutcome(string Name, int Index, int? StatusCode, bool Success, bool Skipped, string Detail);
