namespace AdminPortal.Core.Domain;

/// <summary>SAV roles: roles inside the portal itself (not in target applications).</summary>
public static class SavRoles
{
    public const string Admin = "ROLE_ADMIN";
    public const string Reviewer = "ROLE_REVIEWER";
    public const string EndUser = "ROLE_ENDUSER";

    public static readonly IReadOnlyList<string> All = [Admin, Reviewer, EndUser];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

public enum UserStatus
{
    Active = 1,
    Inactive = 0,
}

/// <summary>A person known to the portal (an identity). Accounts are correlated to users.</summary>
public class AppUser
{
    public const int CustomPropertyCount = 20;

    public int Id { get; set; }
    public required string Username { get; set; }
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Email { get; set; }
    public int? ManagerId { get; set; }
    public AppUser? Manager { get; set; }
    public UserStatus Status { get; set; } = UserStatus.Active;

    /// <summary>PasswordHasher output; null means the user cannot sign in with a password.</summary>
    public string? PasswordHash { get; set; }
    public int FailedSignInCount { get; set; }
    public DateTime? LockedUntilUtc { get; set; }
    public DateTime? LastSignInUtc { get; set; }

    /// <summary>True for people seeded by demo mode; demo mode refuses databases with others.</summary>
    public bool IsDemo { get; set; }
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

    public List<UserRole> Roles { get; set; } = [];

    public string DisplayName =>
        string.IsNullOrWhiteSpace($"{FirstName} {LastName}".Trim()) ? Username : $"{FirstName} {LastName}".Trim();

    public bool HasRole(string role) => Roles.Any(r => r.Role == role);
}

public class UserRole
{
    public int UserId { get; set; }
    public required string Role { get; set; }
}

/// <summary>A bearer token for the management API; only its SHA-256 hash is stored.</summary>
public class ApiToken
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public AppUser? User { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }
    /// <summary>First characters of the token, shown so an administrator can tell tokens apart.</summary>
    public required string Prefix { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? ExpiresUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }

    public bool IsUsable(DateTime nowUtc) => RevokedUtc is null && (ExpiresUtc is null || ExpiresUtc > nowUtc);
}
