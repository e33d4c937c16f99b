using AdminPortal.Core.Domain;
using Microsoft.AspNetCore.DataProtection;

namespace AdminPortal.Web.Features.Connections;

/// <summary>Encrypts secret-bearing connection attributes (ConnectionJSON) at rest with Data Protection.</summary>
public class AttributeProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("AdminPortal.ConnectionAttributes.v1");

    /// <summary>Sets the attribute's stored value, encrypting it when its kind requires.</summary>
    public void Store(ConnectionAttribute attribute, string? clearText)
    {
        var encrypt = ConnectionAttributeNames.IsEncryptedAtRest(attribute.Name) && !string.IsNullOrEmpty(clearText);
        attribute.Value = encrypt ? protector.Protect(clearText!) : clearText;
        attribute.IsEncrypted = encrypt;
    }

    public string? Read(ConnectionAttribute attribute) => Read(attribute.Value, attribute.IsEncrypted);

    public string? Read(string? stored, bool isEncrypted) =>
        isEncrypted && !string.IsNullOrEmpty(stored) ? protector.Unprotect(stored) : stored;

    public (string? Value, bool IsEncrypted) Protect(string attributeName, string? clearText) =>
        ConnectionAttributeNames.IsEncryptedAtRest(attributeName) && !string.IsNullOrEmpty(clearText)
            ? (protector.Protect(clearText), true)
            : (clearText, false);
}
