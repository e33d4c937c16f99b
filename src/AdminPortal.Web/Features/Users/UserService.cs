using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Users;

public sealed record UserEdit(
    string Username,
    string? FirstName,
    string? LastName,
    string? Email,
    string? ManagerUsername,
    UserStatus Status,
    IReadOnlyCollection<string> Roles);

/// <summary>Create, edit, disable users and manage their SAV roles and passwords.</summary>
public class UserService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    IPasswordHasher<AppUser> hasher,
    AuditService audit,
    TimeProvider clock)
{
    public const int MaxFieldLength = 256;

    public async Task<(List<AppUser> Items, int Total)> SearchAsync(string? text, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(text))
        {
            var t = text.Trim();
            query = query.Where(u => u.Username.Contains(t) || (u.Email != null && u.Email.Contains(t)) ||
                                     (u.FirstName != null && u.FirstName.Contains(t)) || (u.LastName != null && u.LastName.Contains(t)));
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(u => u.Username).Skip(skip).Take(take)
            .Include(u => u.Roles).Include(u => u.Manager).ToListAsync(ct);
        return (items, total);
    }

    public async Task<AppUser?> FindAsync(string username, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().Include(u => u.Roles).Include(u => u.Manager)
            .SingleOrDefaultAsync(u => u.Username == username, ct);
    }

    /// <summary>Validates an edit; returns field → message for every problem found.</summary>
    public static Dictionary<string, string> Validate(UserEdit edit)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(edit.Username)) errors["Username"] = "User name is required.";
        else if (edit.Username.Length > 100) errors["Username"] = "User name is longer than 100 characters.";
        else if (edit.Username.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) errors["Username"] = "User name may not contain spaces or control characters.";
        CheckText(errors, "FirstName", edit.FirstName);
        CheckText(errors, "LastName", edit.LastName);
        CheckText(errors, "Email", edit.Email);
        if (!string.IsNullOrWhiteSpace(edit.Email) && !System.Net.Mail.MailAddress.TryCreate(edit.Email.Trim(), out _))
            errors["Email"] = $"'{edit.Email}' is not a valid email address.";
        foreach (var role in edit.Roles.Where(r => !SavRoles.IsKnown(r)))
            errors["Roles"] = $"Unknown SAV role '{role}'.";
        return errors;

        static void CheckText(Dictionary<string, string> errors, string field, string? value)
        {
            if (value is null) return;
            if (value.Length > MaxFieldLength) errors[field] = $"{field} is longer than {MaxFieldLength} characters.";
            else if (value.Any(char.IsControl)) errors[field] = $"{field} contains control characters.";
        }
    }

    /// <summary>Creates or updates a user. Returns field errors; nothing is written when there are any.</summary>
    public async Task<Dictionary<string, string>> SaveAsync(int? id, UserEdit edit, string? newPassword, string actor, CancellationToken ct = default)
    {
        var errors = Validate(edit);
        if (newPassword is not null && newPassword.Length < 8) errors["Password"] = "The password must have at least 8 characters.";
        if (errors.Count > 0) return errors;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var username = edit.Username.Trim();
        if (await db.Users.AnyAsync(u => u.Username == username && u.Id != (id ?? 0), ct))
            return new() { ["Username"] = $"A user named '{username}' already exists." };

        AppUser? manager = null;
        if (!string.IsNullOrWhiteSpace(edit.ManagerUsername))
        {
            manager = await db.Users.SingleOrDefaultAsync(u => u.Username == edit.ManagerUsername.Trim(), ct);
            if (manager is null) return new() { ["Manager"] = $"No user named '{edit.ManagerUsername}'." };
            if (manager.Id == id) return new() { ["Manager"] = "A user cannot be their own manager." };
        }

        var now = clock.GetUtcNow().UtcDateTime;
        AppUser user;
        if (id is null)
        {
            user = new AppUser { Username = username, CreatedUtc = now };
            db.Users.Add(user);
        }
        else
        {
            user = await db.Users.Include(u => u.Roles).SingleAsync(u => u.Id == id, ct);
            if (user.HasRole(SavRoles.Admin) && !edit.Roles.Contains(SavRoles.Admin) &&
                !await db.UserRoles.AnyAsync(r => r.Role == SavRoles.Admin && r.UserId != user.Id, ct))
            {
                return new() { ["Roles"] = "This is the last administrator; give another user ROLE_ADMIN first." };
            }
        }

        user.Username = username;
        user.FirstName = edit.FirstName?.Trim();
        user.LastName = edit.LastName?.Trim();
        user.Email = string.IsNullOrWhiteSpace(edit.Email) ? null : edit.Email.Trim();
        user.ManagerId = manager?.Id;
        user.Status = edit.Status;
        user.UpdatedUtc = now;
        user.Roles.RemoveAll(r => !edit.Roles.Contains(r.Role));
        foreach (var role in edit.Roles.Where(r => !user.HasRole(r)))
            user.Roles.Add(new UserRole { Role = role });
        if (newPassword is not null)
        {
            user.PasswordHash = hasher.HashPassword(user, newPassword);
            user.FailedSignInCount = 0;
            user.LockedUntilUtc = null;
        }

        db.AuditEvents.Add(audit.Create(actor, id is null ? "user.create" : "user.update", "user", username,
            $"roles={string.Join(',', edit.Roles)} status={edit.Status}{(newPassword is null ? "" : " password=reset")}"));
        await db.SaveChangesAsync(ct);
        return errors;
    }

    public async Task<List<string>> UsernamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().OrderBy(u => u.Username).Select(u => u.Username).ToListAsync(ct);
    }
}
