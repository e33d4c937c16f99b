using System.Security.Claims;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Security;

public sealed record SignInResult(ClaimsPrincipal? Principal, string? Error);

/// <summary>Password sign-in against the portal's own user table, with lockout after repeated failures.</summary>
public class SignInService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    IPasswordHasher<AppUser> hasher,
    IOptions<PortalOptions> options,
    AuditService audit,
    TimeProvider clock,
    ILogger<SignInService> logger)
{
    /// <summary>The same message for unknown users and wrong passwords, so user names cannot be probed.</summary>
    public const string InvalidCredentials = "Invalid user name or password.";

    public async Task<SignInResult> SignInAsync(string? username, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            return new SignInResult(null, "Enter a user name and a password.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.Username == username.Trim(), ct);
        if (user is null || user.PasswordHash is null)
        {
            logger.LogInformation("Sign-in refused for unknown user");
            return new SignInResult(null, InvalidCredentials);
        }

        if (SignInLockout.IsLockedOut(user, now))
        {
            await audit.WriteAsync(user.Username, "signin.locked", "user", user.Username, ct: ct);
            return new SignInResult(null, "This account is locked after repeated failed sign-ins. Try again later or ask an administrator.");
        }

        var verification = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verification == PasswordVerificationResult.Failed)
        {
            SignInLockout.RecordFailure(user, now, options.Value.MaxFailedSignIns, TimeSpan.FromMinutes(options.Value.LockoutMinutes));
            await db.SaveChangesAsync(ct);
            await audit.WriteAsync(user.Username, "signin.failed", "user", user.Username, $"failures={user.FailedSignInCount}", ct);
            return new SignInResult(null, InvalidCredentials);
        }

        if (user.Status != UserStatus.Active)
        {
            return new SignInResult(null, "This user is disabled.");
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        SignInLockout.RecordSuccess(user, now);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(user.Username, "signin", "user", user.Username, ct: ct);
        return new SignInResult(CreatePrincipal(user, CookieAuthenticationDefaults.AuthenticationScheme), null);
    }

    public static ClaimsPrincipal CreatePrincipal(AppUser user, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Username),
            new("display_name", user.DisplayName),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r.Role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
