namespace AdminPortal.Core.Domain;

/// <summary>
/// How to talk to one target application: a name and a set of named JSON attributes
/// (REST-CONNECTOR.md §1.1). Attributes the portal does not execute are kept and exported unchanged.
/// </summary>
public class Connection
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>"REST", or the name of a template carried by an imported package ("Confluent").</summary>
    public string ConnectionType { get; set; } = "REST";
    public string? DefaultSavRole { get; set; }
    public string? EmailTemplate { get; set; }
    /// <summary>Base URL that relative URLs in the JSON resolve against, when the auth profile gives none.</summary>
    public string? BaseUrl { get; set; }
    /// <summary>JSON array of {from, to} prefix rewrites applied to every outbound URL, in order.</summary>
    public string? UrlRewritesJson { get; set; }
    /// <summary>Connection-level fields of a transport package the portal does not use (templateName, status…), kept as JSON so they round-trip.</summary>
    public string? PackageFieldsJson { get; set; }
    /// <summary>Set when ConnectionJSON arrived as another tenant's ciphertext and must be entered again.</summary>
    public bool ConnectionJsonNeedsEntry { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    public List<ConnectionAttribute> Attributes { get; set; } = [];

    public ConnectionAttribute? Attribute(string name) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One named JSON attribute of a connection (ConnectionJSON, ImportAccountEntJSON, …).</summary>
public class ConnectionAttribute
{
    public int Id { get; set; }
    public int ConnectionId { get; set; }
    public required string Name { get; set; }
    /// <summary>The text; ciphertext (Data Protection) when <see cref="IsEncrypted"/>.</summary>
    public string? Value { get; set; }
    public bool IsEncrypted { get; set; }
    /// <summary>Package fields of the EXTERNAL_ATTR row, kept for round-trip.</summary>
    public string? FormData { get; set; }
    public string? CredentialSaveStatus { get; set; }
    public int SortOrder { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>A saved version of one attribute (every save, import and restore), for history and restore.</summary>
public class ConnectionAttributeVersion
{
    public long Id { get; set; }
    public int ConnectionId { get; set; }
    public required string AttributeName { get; set; }
    public string? Value { get; set; }
    public bool IsEncrypted { get; set; }
    public DateTime SavedUtc { get; set; }
    public string? SavedBy { get; set; }
    /// <summary>edit, import, restore, placeholder, token-refresh.</summary>
    public required string Source { get; set; }
}

/// <summary>The attribute names of a Saviynt REST connection (REST-CONNECTOR.md §1.1), in export order.</summary>
public static class ConnectionAttributeNames
{
    public const string ConnectionJson = "ConnectionJSON";
    public const string ImportUserJson = "ImportUserJSON";
    public const string ImportAccountEntJson = "ImportAccountEntJSON";
    public const string StatusThresholdConfig = "STATUS_THRESHOLD_CONFIG";
    public const string CreateAccountJson = "CreateAccountJSON";
    public const string UpdateAccountJson = "UpdateAccountJSON";
    public const string EnableAccountJson = "EnableAccountJSON";
    public const string DisableAccountJson = "DisableAccountJSON";
    public const string AddAccessJson = "AddAccessJSON";
    public const string RemoveAccessJson = "RemoveAccessJSON";
    public const string UpdateUserJson = "UpdateUserJSON";
    public const string ChangePassJson = "ChangePassJSON";
    public const string RemoveAccountJson = "RemoveAccountJSON";
    public const string TicketStatusJson = "TicketStatusJSON";
    public const string CreateTicketJson = "CreateTicketJSON";
    public const string EndpointsFilter = "ENDPOINTS_FILTER";
    public const string PasswdPolicyJson = "PasswdPolicyJSON";
    public const string ConfigJson = "ConfigJSON";
    public const string AddFfidAccessJson = "AddFFIDAccessJSON";
    public const string RemoveFfidAccessJson = "RemoveFFIDAccessJSON";
    public const string ModifyUserDataJson = "MODIFYUSERDATAJSON";
    public const string SendOtpJson = "SendOtpJSON";
    public const string ValidateOtpJson = "ValidateOtpJSON";
    public const string PamConfig = "PAM_CONFIG";
    public const string AobConnectionTemplateVariables = "AOB_CONNECTION_TEMPLATE_VARIABLES";

    /// <summary>Order of the real exports (the five packages list them so).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ConnectionJson, ImportUserJson, ImportAccountEntJson, StatusThresholdConfig, CreateAccountJson,
        UpdateAccountJson, EnableAccountJson, DisableAccountJson, AddAccessJson, RemoveAccessJson,
        UpdateUserJson, ChangePassJson, RemoveAccountJson, TicketStatusJson, CreateTicketJson,
        EndpointsFilter, PasswdPolicyJson, ConfigJson, AddFfidAccessJson, RemoveFfidAccessJson,
        ModifyUserDataJson, SendOtpJson, ValidateOtpJson, PamConfig, AobConnectionTemplateVariables,
    ];

    /// <summary>Attributes whose whole value is a credential store and is encrypted at rest.</summary>
    public static bool IsEncryptedAtRest(string name) =>
        string.Equals(name, ConnectionJson, StringComparison.OrdinalIgnoreCase);
}

public class EmailTemplate
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? Subject { get; set; }
    public string? Body { get; set; }
    public string? To { get; set; }
    public string? Cc { get; set; }
    public string? Bcc { get; set; }
    public string? From { get; set; }
    public bool IsHtml { get; set; }
}
