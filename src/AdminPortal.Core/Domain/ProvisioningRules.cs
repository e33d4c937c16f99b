using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Domain;

/// <summary>Per-run limits of one provisioning connection (ConfigJSON <c>provisioningLimit</c>, REST-CONNECTOR.md §7).</summary>
public sealed record ProvisioningLimits(IReadOnlyDictionary<ProvisioningTaskType, int> PerType, TimeSpan WaitBetweenTasks)
{
    public static readonly ProvisioningLimits Unlimited = new(new Dictionary<ProvisioningTaskType, int>(), TimeSpan.Zero);

    /// <summary>The names Saviynt uses in <c>provisioningLimit.types</c>.</summary>
    public static readonly IReadOnlyDictionary<string, ProvisioningTaskType> TypeNames = new Dictionary<string, ProvisioningTaskType>(StringComparer.OrdinalIgnoreCase)
    {
        ["NEWACCOUNT"] = ProvisioningTaskType.CreateAccount,
        ["UPDATEACCOUNT"] = ProvisioningTaskType.UpdateAccount,
        ["ENABLEACCOUNT"] = ProvisioningTaskType.EnableAccount,
        ["DISABLEACCOUNT"] = ProvisioningTaskType.DisableAccount,
        ["REMOVEACCOUNT"] = ProvisioningTaskType.RemoveAccount,
        ["ADDACCESS"] = ProvisioningTaskType.AddAccess,
        ["REMOVEACCESS"] = ProvisioningTaskType.RemoveAccess,
        ["CHANGEPASSWORD"] = ProvisioningTaskType.ChangePassword,
    };

    /// <summary>Reads ConfigJSON; a missing, empty or unreadable value means no limit (a broken ConfigJSON must not stop provisioning).</summary>
    public static ProvisioningLimits Parse(string? configJson)
    {
        if (string.IsNullOrWhiteSpace(configJson)) return Unlimited;
        JObject root;
        try
        {
            if (JToken.Parse(configJson) is not JObject o) return Unlimited;
            root = o;
        }
        catch (JsonException)
        {
            return Unlimited;
        }

        if (root["provisioningLimit"] is not JObject limit) return Unlimited;
        var perType = new Dictionary<ProvisioningTaskType, int>();
        if (limit["types"] is JObject types)
        {
            foreach (var p in types.Properties())
            {
                if (TypeNames.TryGetValue(p.Name, out var type) && p.Value.Type is JTokenType.Integer or JTokenType.String
                    && int.TryParse(p.Value.ToString(), out var n) && n >= 0)
                    perType[type] = n;
            }
        }

        var wait = limit["waitTimeMillis"] is { } w && int.TryParse(w.ToString(), out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(Math.Min(ms, 60_000)) : TimeSpan.Zero;
        return new ProvisioningLimits(perType, wait);
    }

    public int? LimitFor(ProvisioningTaskType type) => PerType.TryGetValue(type, out var n) ? n : null;
}

/// <summary>What the picker needs to know about a task.</summary>
public sealed record TaskCandidate(long Id, ProvisioningTaskType Type, ProvisioningTaskStatus Status, DateTime CreatedUtc, DateTime? NextAttemptUtc, int? ConnectionId);

/// <summary>Retry settings (options <c>Provisioning</c> in appsettings.json).</summary>
public sealed record RetrySettings(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, double JitterFraction)
{
    public static readonly RetrySettings Default = new(5, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), 0.2);
}

/// <summary>How a task ends up after one attempt.</summary>
public sealed record AttemptOutcome(ProvisioningTaskStatus Status, DateTime? NextAttemptUtc, bool Final);

/// <summary>The pure decisions of the provisioning task life cycle; no I/O.</summary>
public static class ProvisioningRules
{
    /// <summary>True when the picker may run the task now: new tasks, and failed tasks whose next attempt is due.</summary>
    public static bool IsDue(ProvisioningTaskStatus status, DateTime? nextAttemptUtc, DateTime nowUtc) => status switch
    {
        ProvisioningTaskStatus.New => nextAttemptUtc is null || nextAttemptUtc <= nowUtc,
        ProvisioningTaskStatus.Failed => nextAttemptUtc is { } next && next <= nowUtc,
        _ => false,
    };

    /// <summary>
    /// The tasks one WSRETRY run processes, in order: due tasks oldest first, at most the connection's
    /// per-type limit of each type per connection (no limit when the connection sets none).
    /// </summary>
    public static IReadOnlyList<long> SelectDue(IEnumerable<TaskCandidate> candidates, Func<int?, ProvisioningLimits> limitsFor, DateTime nowUtc, int maxTotal = int.MaxValue)
    {
        var taken = new Dictionary<(int?, ProvisioningTaskType), int>();
        var limits = new Dictionary<int, ProvisioningLimits>();
        var result = new List<long>();
        foreach (var c in candidates.Where(c => IsDue(c.Status, c.NextAttemptUtc, nowUtc)).OrderBy(c => c.CreatedUtc).ThenBy(c => c.Id))
        {
            if (result.Count >= maxTotal) break;
            var connectionLimits = c.ConnectionId is { } id
                ? limits.TryGetValue(id, out var l) ? l : limits[id] = limitsFor(id)
                : limitsFor(null);
            var key = (c.ConnectionId, c.Type);
            var count = taken.GetValueOrDefault(key);
            if (connectionLimits.LimitFor(c.Type) is { } max && count >= max) continue;
            taken[key] = count + 1;
            result.Add(c.Id);
        }

        return result;
    }

    /// <summary>
    /// Delay before attempt <paramref name="attemptsSoFar"/> + 1: base × 2^(attempts−1), capped, plus up to
    /// JitterFraction of it at random (<paramref name="random01"/> in [0,1)); never sooner than the target's Retry-After.
    /// </summary>
    public static TimeSpan Backoff(int attemptsSoFar, RetrySettings settings, TimeSpan? retryAfter, double random01)
    {
        var exponent = Math.Clamp(attemptsSoFar - 1, 0, 30);
        var raw = settings.BaseDelay.TotalMilliseconds * Math.Pow(2, exponent);
        var capped = Math.Min(raw, settings.MaxDelay.TotalMilliseconds);
        var jittered = capped * (1 + settings.JitterFraction * Math.Clamp(random01, 0, 1));
        var delay = TimeSpan.FromMilliseconds(jittered);
        return retryAfter is { } ra && ra > delay ? ra : delay;
    }

    /// <summary>
    /// The state after an attempt. Completed only when the engine said Success. A connection without JSON for
    /// the operation fails for good (retrying cannot help). Any other failure is retried on the backoff schedule
    /// until <see cref="RetrySettings.MaxAttempts"/> attempts were made, then the task stays Failed with no next attempt.
    /// </summary>
    /// <param name="partiallyApplied">A create failed after one of its calls succeeded (or after the target returned an account id):
    /// the account may exist, so the task goes to NeedsReview instead of being retried into a duplicate.</param>
    public static AttemptOutcome AfterAttempt(bool success, bool notConfigured, int attemptsIncludingThis, RetrySettings settings, TimeSpan? retryAfter, DateTime nowUtc, double random01,
        bool partiallyApplied = false)
    {
        if (success) return new AttemptOutcome(ProvisioningTaskStatus.Completed, null, true);
        if (partiallyApplied) return new AttemptOutcome(ProvisioningTaskStatus.NeedsReview, null, true);
        if (notConfigured || attemptsIncludingThis >= settings.MaxAttempts) return new AttemptOutcome(ProvisioningTaskStatus.Failed, null, true);
        return new AttemptOutcome(ProvisioningTaskStatus.Failed, nowUtc + Backoff(attemptsIncludingThis, settings, retryAfter, random01), false);
    }

    /// <summary>True when a failed create may still have created something: one of its calls succeeded (an earlier call, or the
    /// only call when reading the account id afterwards failed), or an account id came back.</summary>
    public static bool IsPartialCreate(ProvisioningTaskType type, bool success, IEnumerable<(bool Success, bool Skipped)> calls, string? accountId)
    {
        if (success || type != ProvisioningTaskType.CreateAccount) return false;
        if (!string.IsNullOrEmpty(accountId)) return true;
        return calls.Any(c => c.Success && !c.Skipped);
    }

    /// <summary>
    /// Start-up recovery: a task whose intent was recorded but whose result never was may have reached the target.
    /// It is never resent blindly: it goes to NeedsReview for a person to decide.
    /// </summary>
    public static bool NeedsReviewAfterRestart(ProvisioningTaskStatus status, DateTime? intentRecordedUtc) =>
        intentRecordedUtc is not null && status is ProvisioningTaskStatus.New or ProvisioningTaskStatus.InProgress or ProvisioningTaskStatus.Failed;

    /// <summary>
    /// Start-up recovery of a task a WSRETRY batch claimed (InProgress) but whose attempt never started (no intent recorded):
    /// nothing was sent, so it goes back to the queue in the state it was claimed from — New when it had made no attempt yet
    /// (new, retried or waiting for its account), Failed (its due retry) otherwise. Null when the task is not such a claim.
    /// </summary>
    public static ProvisioningTaskStatus? ReleasedAfterRestart(ProvisioningTaskStatus status, DateTime? intentRecordedUtc, int attempts) =>
        status == ProvisioningTaskStatus.InProgress && intentRecordedUtc is null ? StatusBeforeClaim(attempts) : null;

    /// <summary>The state a claimed task came from: only New tasks have no attempt (a retry resets the count); a due Failed task has at least one.</summary>
    public static ProvisioningTaskStatus StatusBeforeClaim(int attempts) => attempts == 0 ? ProvisioningTaskStatus.New : ProvisioningTaskStatus.Failed;

    /// <summary>States an administrator may retry (a retry makes the task due now with a fresh attempt budget).</summary>
    public static bool CanRetry(ProvisioningTaskStatus status) => status is ProvisioningTaskStatus.Failed or ProvisioningTaskStatus.NeedsReview or ProvisioningTaskStatus.Cancelled;

    public static bool CanCancel(ProvisioningTaskStatus status) => status is ProvisioningTaskStatus.New or ProvisioningTaskStatus.Failed or ProvisioningTaskStatus.NeedsReview;

    public static bool CanCompleteManually(ProvisioningTaskStatus status) => status is ProvisioningTaskStatus.New or ProvisioningTaskStatus.Failed or ProvisioningTaskStatus.NeedsReview;

    /// <summary>The request's state once its tasks moved: Provisioned when all completed, Failed when any failed for good.</summary>
    public static AccessRequestStatus RequestStatusFromTasks(AccessRequestStatus current, IReadOnlyCollection<(ProvisioningTaskStatus Status, bool Final)> tasks)
    {
        if (current is not (AccessRequestStatus.Approved or AccessRequestStatus.Failed or AccessRequestStatus.Provisioned) || tasks.Count == 0) return current;
        if (tasks.All(t => t.Status == ProvisioningTaskStatus.Completed)) return AccessRequestStatus.Provisioned;
        if (tasks.Any(t => t.Status == ProvisioningTaskStatus.Failed && t.Final || t.Status == ProvisioningTaskStatus.Cancelled)) return AccessRequestStatus.Failed;
        return AccessRequestStatus.Approved;
    }
}

/// <summary>Who may see and decide access requests; the service enforces these, the pages only mirror them.</summary>
public static class AccessRequestRules
{
    /// <summary>Approvers of a request on an endpoint: the beneficiary's manager, the named users, or nobody (auto-approved).</summary>
    public static IReadOnlyList<string> Approvers(ApproverMode mode, string? approverUsernames, string? beneficiaryManagerUsername) => mode switch
    {
        ApproverMode.Manager => beneficiaryManagerUsername is null ? [] : [beneficiaryManagerUsername],
        ApproverMode.NamedUsers => (approverUsernames ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
        _ => [],
    };

    /// <summary>An approver (or an administrator, so no request is stranded) may decide a pending request, but never
    /// the requester or the beneficiary themself.</summary>
    public static bool CanDecide(string actor, bool actorIsAdmin, string requester, string beneficiary, IReadOnlyList<string> approvers, AccessRequestStatus status) =>
        status == AccessRequestStatus.PendingApproval
        && !string.Equals(actor, requester, StringComparison.OrdinalIgnoreCase)
        && !string.Equals(actor, beneficiary, StringComparison.OrdinalIgnoreCase)
        && (actorIsAdmin || approvers.Contains(actor, StringComparer.OrdinalIgnoreCase));

    /// <summary>The requester, the beneficiary, an approver and administrators may read a request.</summary>
    public static bool CanRead(string actor, bool actorIsAdmin, string requester, string beneficiary, IReadOnlyList<string> approvers) =>
        actorIsAdmin
        || string.Equals(actor, requester, StringComparison.OrdinalIgnoreCase)
        || string.Equals(actor, beneficiary, StringComparison.OrdinalIgnoreCase)
        || approvers.Contains(actor, StringComparer.OrdinalIgnoreCase);

    /// <summary>Anyone may request for themself; for someone else only their manager or an administrator.</summary>
    public static bool CanRequestFor(string actor, bool actorIsAdmin, string beneficiary, string? beneficiaryManagerUsername) =>
        actorIsAdmin
        || string.Equals(actor, beneficiary, StringComparison.OrdinalIgnoreCase)
        || beneficiaryManagerUsername is not null && string.Equals(actor, beneficiaryManagerUsername, StringComparison.OrdinalIgnoreCase);

    /// <summary>Only ApproverMode None is auto-approved. A request whose mode names nobody (no manager, empty list) waits for an
    /// administrator rather than bypassing approval.</summary>
    public static bool IsAutoApproved(ApproverMode mode) => mode == ApproverMode.None;
}
