namespace AdminPortal.Core.Transport;

/// <summary>How an attribute value was classified by the reader.</summary>
public enum AttributeValueKind
{
    /// <summary>Null, empty or whitespace only.</summary>
    Empty,

    /// <summary>Clear JSON text that parses.</summary>
    Json,

    /// <summary><c>ConnectionJSON</c> holding the exporting tenant's ciphertext (not JSON): it cannot be
    /// used here and must be entered again by an administrator.</summary>
    EncryptedElsewhere,
}

/// <summary>
/// One <c>EXTERNAL_ATTR</c> row. <see cref="Value"/> is <c>encryptedattributevalue</c> exactly as packaged
/// (null stays null); <see cref="OtherFields"/> keeps every other key of the row (formdata,
/// credentialSaveStatus, unknown keys) in order.
/// </summary>
public sealed record PackagedAttribute(
    string Name,
    string? Value,
    AttributeValueKind Kind,
    IReadOnlyList<PackagedField> OtherFields)
{
    public const string ConnectionJsonName = "ConnectionJSON";

    public bool EncryptedElsewhere => Kind == AttributeValueKind.EncryptedElsewhere;

    public bool IsEmpty => Kind == AttributeValueKind.Empty;

    /// <summary>A row as Saviynt writes it (<c>formdata: null</c>, <c>credentialSaveStatus: false</c>),
    /// classified with the reader's rules. Throws <see cref="ArgumentException"/> when a JSON attribute does not parse.</summary>
    public static PackagedAttribute Create(string name, string? value)
    {
        var kind = AttributeClassifier.Classify(name, value, TransportLimits.Default.MaxJsonDepth, out var failure);
        if (failure is not null)
            throw new ArgumentException($"Attribute '{name}' is not valid JSON: {failure.Detail} (line {failure.Line}, position {failure.Position})", nameof(value));
        return new PackagedAttribute(name, value, kind,
            [PackagedField.FromToken("formdata", null), PackagedField.FromBoolean("credentialSaveStatus", false)]);
    }

    /// <summary>The same row with another value (classification recomputed, other fields kept).</summary>
    public PackagedAttribute WithValue(string? value) => Create(Name, value) with { OtherFields = OtherFields };

    public bool Equals(PackagedAttribute? other) =>
        other is not null && Name == other.Name && string.Equals(Value, other.Value, StringComparison.Ordinal)
        && Kind == other.Kind && OtherFields.SequenceEqual(other.OtherFields);

    public override int GetHashCode() => HashCode.Combine(Name, Value, Kind, PackagedFields.Hash(OtherFields));
}

/// <summary>
/// A connection from <c>Connection_&lt;ts&gt;(UTC).json</c>. <see cref="Name"/> is the payload key;
/// <see cref="Fields"/> holds every connection-level key except <c>EXTERNAL_ATTR</c>, in order;
/// <see cref="Attributes"/> holds every <c>EXTERNAL_ATTR</c> row, in order, including empty rows and
/// attribute names the portal does not know.
/// </summary>
public sealed record PackagedConnection(
    string Name,
    IReadOnlyList<PackagedField> Fields,
    IReadOnlyList<PackagedAttribute> Attributes)
{
    public const string AttributesKey = "EXTERNAL_ATTR";

    public string? ConnectionName => GetString("connectionname");

    public string? Description => GetString("connectiondescription");

    /// <summary><c>externalconnectiontype</c>, e.g. <c>REST</c>.</summary>
    public string? ConnectionType => GetString("externalconnectiontype");

    public string? TemplateName => GetString("templateName");

    public string? Status => GetString("status");

    public PackagedField? GetField(string name) => PackagedFields.Find(Fields, name);

    public string? GetString(string name) => GetField(name)?.AsString();

    /// <summary>The row for <paramref name="attributeName"/> (exact name first, then case-insensitive).</summary>
    public PackagedAttribute? GetAttribute(string attributeName) =>
        Attributes.FirstOrDefault(a => string.Equals(a.Name, attributeName, StringComparison.Ordinal))
        ?? Attributes.FirstOrDefault(a => string.Equals(a.Name, attributeName, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when ConnectionJSON carries another tenant's ciphertext and must be entered again.</summary>
    public bool ConnectionJsonNeedsEntry => GetAttribute(PackagedAttribute.ConnectionJsonName)?.EncryptedElsewhere == true;

    /// <summary>
    /// A connection as Saviynt exports it: the connection-level keys seen in real exports (status 1,
    /// connectorms false, the rest null unless given) followed by one row per attribute, in the order given.
    /// </summary>
    public static PackagedConnection Create(
        string name,
        string? description,
        string connectionType,
        IEnumerable<KeyValuePair<string, string?>> attributes,
        string? templateName = null)
    {
        PackagedField[] fields =
        [
            PackagedField.FromString("connectionname", name),
            PackagedField.FromString("connectiondescription", description ?? ""),
            PackagedField.FromString("externalconnectiontype", connectionType),
            PackagedField.FromInt("status", 1),
            PackagedField.FromInt("statusForEnableDisable", 1),
            PackagedField.FromString("templateName", templateName),
            PackagedField.FromString("templateMandatoryData", null),
            PackagedField.FromBoolean("connectorms", false),
            PackagedField.FromString("msconnectorversion", null),
            PackagedField.FromString("connectorType", null),
            PackagedField.FromString("sslCertificateId", null),
            PackagedField.FromString("sslCertificate", null),
            PackagedField.FromString("vaultConfig", null),
            PackagedField.FromString("vaultCredentialConnection", null),
            PackagedField.FromString("credentialChangeConfig", null),
        ];
        return new PackagedConnection(name, fields, [.. attributes.Select(a => PackagedAttribute.Create(a.Key, a.Value))]);
    }

    public bool Equals(PackagedConnection? other) =>
        other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields)
        && Attributes.SequenceEqual(other.Attributes);

    public override int GetHashCode() =>
        HashCode.Combine(Name, PackagedFields.Hash(Fields), PackagedFields.Hash(Attributes));
}

/// <summary>An email template from <c>EmailTemplate_&lt;ts&gt;(UTC).json</c>; every key kept in order.</summary>
public sealed record PackagedEmailTemplate(string Name, IReadOnlyList<PackagedField> Fields)
{
    public string? Subject => GetString("subjectfld");

    public string? Content => GetString("templatecontent");

    public string? To => GetString("tofld");

    public string? Cc => GetString("ccfld");

    public string? Bcc => GetString("bccfld");

    public string? From => GetString("fromfld");

    public bool? ContentAsHtml => PackagedFields.Find(Fields, "contentAsHtml")?.AsBoolean();

    public string? GetString(string name) => PackagedFields.Find(Fields, name)?.AsString();

    public bool Equals(PackagedEmailTemplate? other) =>
        other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => HashCode.Combine(Name, PackagedFields.Hash(Fields));
}

/// <summary>
/// A security system from <c>SecuritySystem_&lt;ts&gt;(UTC).json</c> (a format defined by AdminPortal,
/// see docs/transport-format.md); every key kept in order.
/// </summary>
public sealed record PackagedSecuritySystem(string Name, IReadOnlyList<PackagedField> Fields)
{
    public string? SystemName => GetString("systemname");

    public string? DisplayName => GetString("displayname");

    /// <summary><c>connectionname</c>: the connection used for import.</summary>
    public string? ConnectionName => GetString("connectionname");

    public string? ProvisioningConnection => GetString("provisioningconnection");

    public bool? InstantProvisioning => PackagedFields.Find(Fields, "instantprovisioning")?.AsBoolean();

    public string? Description => GetString("description");

    public string? GetString(string name) => PackagedFields.Find(Fields, name)?.AsString();

    public static PackagedSecuritySystem Create(
        string systemName, string? displayName, string? importConnection, string? provisioningConnection,
        bool instantProvisioning, string? description) =>
        new(systemName,
        [
            PackagedField.FromString("systemname", systemName),
            PackagedField.FromString("displayname", displayName),
            PackagedField.FromString("connectionname", importConnection),
            PackagedField.FromString("provisioningconnection", provisioningConnection),
            PackagedField.FromBoolean("instantprovisioning", instantProvisioning),
            PackagedField.FromString("description", description),
        ]);

    public bool Equals(PackagedSecuritySystem? other) =>
        other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => HashCode.Combine(Name, PackagedFields.Hash(Fields));
}

/// <summary>An entitlement type of a packaged endpoint: name, order, and labels of its custom properties
/// (<c>customproperty1</c> → label), in order.</summary>
public sealed record PackagedEntitlementType(
    string Name,
    int Order,
    IReadOnlyList<KeyValuePair<string, string>> CustomPropertyLabels)
{
    public bool Equals(PackagedEntitlementType? other) =>
        other is not null && Name == other.Name && Order == other.Order
        && CustomPropertyLabels.SequenceEqual(other.CustomPropertyLabels);

    public override int GetHashCode() => HashCode.Combine(Name, Order, PackagedFields.Hash(CustomPropertyLabels));
}

/// <summary>
/// An endpoint from <c>Endpoint_&lt;ts&gt;(UTC).json</c> (a format defined by AdminPortal, see
/// docs/transport-format.md); every key kept in order.
/// </summary>
public sealed record PackagedEndpoint(string Name, IReadOnlyList<PackagedField> Fields)
{
    public const string EntitlementTypesKey = "entitlementtypes";

    public string? EndpointName => GetString("endpointname");

    public string? DisplayName => GetString("displayname");

    public string? SecuritySystem => GetString("securitysystem");

    public string? Owner => GetString("owner");

    public string? AccountNameRule => GetString("accountnamerule");

    public string? Description => GetString("description");

    /// <summary>The entitlement types (validated by the reader; empty when absent).</summary>
    public IReadOnlyList<PackagedEntitlementType> EntitlementTypes
    {
        get
        {
            var typesField = PackagedFields.Find(Fields, EntitlementTypesKey);
            return typesField is null ? [] : EndpointPayload.ParseEntitlementTypes(typesField.ToToken(), out _) ?? [];
        }
    }

    public string? GetString(string name) => PackagedFields.Find(Fields, name)?.AsString();

    public static PackagedEndpoint Create(
        string endpointName, string? displayName, string securitySystem, string? owner,
        string? accountNameRule, string? description, IEnumerable<PackagedEntitlementType> entitlementTypes) =>
        new(endpointName,
        [
            PackagedField.FromString("endpointname", endpointName),
            PackagedField.FromString("displayname", displayName),
            PackagedField.FromString("securitysystem", securitySystem),
            PackagedField.FromString("owner", owner),
            PackagedField.FromString("accountnamerule", accountNameRule),
            PackagedField.FromString("description", description),
            PackagedField.FromToken(EntitlementTypesKey, EndpointPayload.ToToken(entitlementTypes)),
        ]);

    public bool Equals(PackagedEndpoint? other) =>
        other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => HashCode.Combine(Name, PackagedFields.Hash(Fields));
}
