namespace AdminPortal.Core.Domain;

public enum ProvisioningTaskType
{
    CreateAccount = 1,
    UpdateAccount = 2,
    EnableAccount = 3,
    DisableAccount = 4,
    RemoveAccount = 5,
    AddAccess = 6,
    RemoveAccess = 7,
    ChangePassword = 8,
}

public enum ProvisioningTaskStatus
{
    New = 0,
    InProgress = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
    /// <summary>A call may have been sent but its result was never recorded (crash): a person decides.</summary>
    NeedsReview = 5,
}

/// <summary>One provisioning action waiting to be performed on a target.</summary>
public class ProvisioningTask
{
    public long Id { get; set; }
    public ProvisioningTaskType Type { get; set; }
    public ProvisioningTaskStatus Status { get; set; }
    public int EndpointId { get; set; }
    public Endpoint? Endpoint { get; set; }
    public long? AccountId { get; set; }
    public Account? Account { get; set; }
    public int? UserId { get; set; }
    public AppUser? User { get; set; }
    public long? EntitlementValueId { get; set; }
    public EntitlementValue? EntitlementValue { get; set; }
    public long? AccessRequestId { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptUtc { get; set; }
    /// <summary>Written before a call is sent; cleared when its result is recorded.</summary>
    public DateTime? IntentRecordedUtc { get; set; }
    public string? LastError { get; set; }
    public string? ErrorSignature { get; set; }
    /// <summary>Task inputs (request attributes, password reference…) as JSON.</summary>
    public string? PayloadJson { get; set; }
    public string? Comment { get; set; }
    public string? CompletedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public DateTime? CompletedUtc { get; set; }
}

public enum AccessRequestStatus
{
    PendingApproval = 0,
    Approved = 1,
    Rejected = 2,
    Provisioned = 3,
    Failed = 4,
    Cancelled = 5,
}

public enum AccessRequestKind
{
    NewAccount = 1,
    Entitlements = 2,
}

/// <summary>What a requester asks for; produces tasks once approved.</summary>
public class AccessRequest
{
    public long Id { get; set; }
    public int RequesterId { get; set; }
    public AppUser? Requester { get; set; }
    public int BeneficiaryId { get; set; }
    public AppUser? Beneficiary { get; set; }
    public int EndpointId { get; set; }
    public Endpoint? Endpoint { get; set; }
    public AccessRequestKind Kind { get; set; }
    public AccessRequestStatus Status { get; set; }
    public string? BusinessJustification { get; set; }
    public string? AttributesJson { get; set; }
    public int? DecidedById { get; set; }
    public string? DecisionComment { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? DecidedUtc { get; set; }
    public List<AccessRequestItem> Items { get; set; } = [];
}

public class AccessRequestItem
{
    public long Id { get; set; }
    public long AccessRequestId { get; set; }
    public long? EntitlementValueId { get; set; }
    public EntitlementValue? EntitlementValue { get; set; }
    /// <summary>add or remove.</summary>
    public string Action { get; set; } = "add";
}

public class EmailOutboxMessage
{
    public long Id { get; set; }
    public required string To { get; set; }
    public required string Subject { get; set; }
    public string? Body { get; set; }
    public string? Event { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? SentUtc { get; set; }
    public string? Error { get; set; }
}
