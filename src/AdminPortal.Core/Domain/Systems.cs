namespace AdminPortal.Core.Domain;

/// <summary>The portal's record of one target application instance.</summary>
public class SecuritySystem
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public int? ImportConnectionId { get; set; }
    public Connection? ImportConnection { get; set; }
    public int? ProvisioningConnectionId { get; set; }
    public Connection? ProvisioningConnection { get; set; }
    /// <summary>Provision as soon as a task is created (with the global setting also on).</summary>
    public bool InstantProvisioning { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public List<Endpoint> Endpoints { get; set; } = [];
}

/// <summary>Who approves access requests on an endpoint.</summary>
public enum ApproverMode
{
    Manager = 0,
    NamedUsers = 1,
    None = 2,
}

/// <summary>An application instance inside a security system: where accounts and entitlements live.</summary>
public class Endpoint
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public int SecuritySystemId { get; set; }
    public SecuritySystem? SecuritySystem { get; set; }
    public int? OwnerUserId { get; set; }
    public AppUser? Owner { get; set; }
    /// <summary>A ${...} template giving a new account's name, e.g. ${user.username}.</summary>
    public string? AccountNameRule { get; set; }
    /// <summary>Correlation: which account column equals which user attribute, e.g. "name=username" or "customproperty1=email".</summary>
    public string? CorrelationRule { get; set; }
    public ApproverMode ApproverMode { get; set; } = ApproverMode.Manager;
    /// <summary>Comma-separated user names when <see cref="ApproverMode"/> is NamedUsers.</summary>
    public string? ApproverUsernames { get; set; }
    /// <summary>JSON array describing the attributes a requester fills in ([{name, label, required}]).</summary>
    public string? RequestAttributesJson { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public List<EntitlementType> EntitlementTypes { get; set; } = [];
}

/// <summary>A kind of access on an endpoint (Groups, Teams, Sites…).</summary>
public class EntitlementType
{
    public int Id { get; set; }
    public int EndpointId { get; set; }
    public Endpoint? Endpoint { get; set; }
    public required string Name { get; set; }
    public string? DisplayName { get; set; }
    public int DisplayOrder { get; set; }
    /// <summary>JSON object mapping customproperty column → label shown in the grids.</summary>
    public string? CustomPropertyLabelsJson { get; set; }
    public bool Requestable { get; set; } = true;
}

public enum EntitlementStatus
{
    Inactive = 0,
    Active = 1,
}

/// <summary>One concrete access item (group "Finance").</summary>
public class EntitlementValue
{
    public const int CustomPropertyCount = 20;

    public long Id { get; set; }
    public int EntitlementTypeId { get; set; }
    public EntitlementType? EntitlementType { get; set; }
    /// <summary>Denormalised for the reviewer grids.</summary>
    public int EndpointId { get; set; }
    /// <summary>The target's id of this item.</summary>
    public required string EntitlementId { get; set; }
    public required string Value { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public EntitlementStatus Status { get; set; } = EntitlementStatus.Active;
    /// <summary>Hash of the imported fields, so an unchanged re-import writes nothing.</summary>
    public string? ContentHash { get; set; }
    public long? LastSeenRunId { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public string? CustomProperty1 { get; set; }
    public string? CustomProperty2 { get; set; }
    public string? CustomProperty3 { get; set; }
    public string? CustomProperty4 { get; set; }
    public string? CustomProperty5 { get; set; }
    public string? CustomProperty6 { get; set; }
    public string? CustomProperty7 { get; set; }
    public string? CustomProperty8 { get; set; }
    public string? CustomProperty9 { get; set; }
    public string? CustomProperty10 { get; set; }
    public string? CustomProperty11 { get; set; }
    public string? CustomProperty12 { get; set; }
    public string? CustomProperty13 { get; set; }
    public string? CustomProperty14 { get; set; }
    public string? CustomProperty15 { get; set; }
    public string? CustomProperty16 { get; set; }
    public string? CustomProperty17 { get; set; }
    public string? CustomProperty18 { get; set; }
    public string? CustomProperty19 { get; set; }
    public string? CustomProperty20 { get; set; }
}

public enum AccountStatus
{
    Inactive = 0,
    Active = 1,
    /// <summary>The target no longer returned the account in a complete import.</summary>
    SuspendedFromImport = 2,
    /// <summary>Created by provisioning, not yet confirmed by an import.</summary>
    PendingCreate = 3,
    Disabled = 4,
}

/// <summary>A user's (or a service's) account on an endpoint.</summary>
public class Account
{
    public const int CustomPropertyCount = 45;

    public long Id { get; set; }
    public int EndpointId { get; set; }
    public Endpoint? Endpoint { get; set; }
    /// <summary>The target's id of the account.</summary>
    public required string AccountId { get; set; }
    public required string Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public string? AccountType { get; set; }
    public AccountStatus Status { get; set; } = AccountStatus.Active;
    public int? OwnerUserId { get; set; }
    public AppUser? Owner { get; set; }
    public DateTime? LastLogonUtc { get; set; }
    public string? ContentHash { get; set; }
    public long? LastSeenRunId { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public string? CustomProperty1 { get; set; }
    public string? CustomProperty2 { get; set; }
    public string? CustomProperty3 { get; set; }
    public string? CustomProperty4 { get; set; }
    public string? CustomProperty5 { get; set; }
    public string? CustomProperty6 { get; set; }
    public string? CustomProperty7 { get; set; }
    public string? CustomProperty8 { get; set; }
    public string? CustomProperty9 { get; set; }
    public string? CustomProperty10 { get; set; }
    public string? CustomProperty11 { get; set; }
    public string? CustomProperty12 { get; set; }
    public string? CustomProperty13 { get; set; }
    public string? CustomProperty14 { get; set; }
    public string? CustomProperty15 { get; set; }
    public string? CustomProperty16 { get; set; }
    public string? CustomProperty17 { get; set; }
    public string? CustomProperty18 { get; set; }
    public string? CustomProperty19 { get; set; }
    public string? CustomProperty20 { get; set; }
    public string? CustomProperty21 { get; set; }
    public string? CustomProperty22 { get; set; }
    public string? CustomProperty23 { get; set; }
    public string? CustomProperty24 { get; set; }
    public string? CustomProperty25 { get; set; }
    public string? CustomProperty26 { get; set; }
    public string? CustomProperty27 { get; set; }
    public string? CustomProperty28 { get; set; }
    public string? CustomProperty29 { get; set; }
    public string? CustomProperty30 { get; set; }
    public string? CustomProperty31 { get; set; }
    public string? CustomProperty32 { get; set; }
    public string? CustomProperty33 { get; set; }
    public string? CustomProperty34 { get; set; }
    public string? CustomProperty35 { get; set; }
    public string? CustomProperty36 { get; set; }
    public string? CustomProperty37 { get; set; }
    public string? CustomProperty38 { get; set; }
    public string? CustomProperty39 { get; set; }
    public string? CustomProperty40 { get; set; }
    public string? CustomProperty41 { get; set; }
    public string? CustomProperty42 { get; set; }
    public string? CustomProperty43 { get; set; }
    public string? CustomProperty44 { get; set; }
    public string? CustomProperty45 { get; set; }
    /// <summary>Mapped columns beyond the fixed ones, as a JSON object.</summary>
    public string? ExtraPropertiesJson { get; set; }
}

public enum LinkStatus
{
    Active = 1,
    /// <summary>Granted by provisioning; the next import confirms it.</summary>
    PendingAdd = 2,
    /// <summary>Revoked by provisioning; the next import confirms it.</summary>
    PendingRemove = 3,
}

/// <summary>Account holds entitlement value.</summary>
public class AccountEntitlement
{
    public long AccountId { get; set; }
    public long EntitlementValueId { get; set; }
    public LinkStatus Status { get; set; } = LinkStatus.Active;
    public DateTime CreatedUtc { get; set; }
}
