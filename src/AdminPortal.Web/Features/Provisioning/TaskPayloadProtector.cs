using Microsoft.AspNetCore.DataProtection;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>
/// Encrypts <c>ProvisioningTask.PayloadJson</c> at rest (a change-password task carries the new password there) with
/// ASP.NET Data Protection, under a purpose of its own so a payload can never be unprotected as a connection attribute
/// or the other way round. Stored values carry the <see cref="Prefix"/>; a value without it is a row written before
/// payloads were encrypted (plain JSON): it is still read, and <see cref="ProvisioningTaskService.RecoverAsync"/> encrypts
/// it at start-up (ADR-014). Only <see cref="ProvisioningRequestBuilder"/> reads payloads in clear.
/// </summary>
public sealed class TaskPayloadProtector(IDataProtectionProvider provider)
{
    /// <summary>Marks an encrypted payload; plain JSON starts with <c>{</c>, never with this.</summary>
    public const string Prefix = "dp1:";

    private readonly IDataProtector protector = provider.CreateProtector("AdminPortal.ProvisioningTaskPayload.v1");

    /// <summary>The stored form of <paramref name="json"/>: null or empty stays as it is, anything else is encrypted.</summary>
    public string? Protect(string? json) => string.IsNullOrEmpty(json) || IsProtected(json) ? json : Prefix + protector.Protect(json);

    /// <summary>The clear JSON of a stored payload, encrypted or (from before encryption) plain.</summary>
    public string? Unprotect(string? stored) => IsProtected(stored) ? protector.Unprotect(stored![Prefix.Length..]) : stored;

    public static bool IsProtected(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);
}
