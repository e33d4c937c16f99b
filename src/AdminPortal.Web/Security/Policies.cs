using AdminPortal.Core.Domain;
using Microsoft.AspNetCore.Authorization;

namespace AdminPortal.Web.Security;

/// <summary>Authorization policy names; every page and endpoint names one (the fallback requires sign-in).</summary>
public static class Policies
{
    public const string Admin = "Admin";
    public const string Reviewer = "Reviewer";
    public const string SignedIn = "SignedIn";
    /// <summary>The management API: an administrator's bearer token, never a cookie.</summary>
    public const string ApiAdmin = "ApiAdmin";

    public static void Register(AuthorizationOptions options)
    {
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole(SavRoles.Admin));
        options.AddPolicy(Reviewer, p => p.RequireAuthenticatedUser().RequireRole(SavRoles.Admin, SavRoles.Reviewer));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        options.AddPolicy(ApiAdmin, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser().RequireRole(SavRoles.Admin));
        options.FallbackPolicy = options.GetPolicy(SignedIn);
    }
}
