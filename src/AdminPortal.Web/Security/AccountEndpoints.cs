using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace AdminPortal.Web.Security;

/// <summary>
/// Sign-in and sign-out are plain form posts (a Blazor circuit cannot set cookies). Minimal API form
/// binding validates the antiforgery token the sign-in page renders.
/// </summary>
public static class AccountEndpoints
{
    public const string SignInRateLimit = "signin";

    public static void MapAccountEndpoints(this WebApplication app)
    {
        app.MapPost("/account/login", async (
                [FromForm] string? username,
                [FromForm] string? password,
                [FromForm] string? returnUrl,
                HttpContext http,
                SignInService signIn) =>
            {
                var result = await signIn.SignInAsync(username, password, http.RequestAborted);
                var safeReturn = IsLocalUrl(returnUrl) ? returnUrl! : "/";
                if (result.Principal is null)
                {
                    var code = result.Error == SignInService.InvalidCredentials ? "invalid"
                        : result.Error!.Contains("locked", StringComparison.Ordinal) ? "locked"
                        : result.Error.Contains("disabled", StringComparison.Ordinal) ? "disabled" : "missing";
                    return Results.Redirect($"/account/login?error={code}&returnUrl={Uri.EscapeDataString(safeReturn)}");
                }

                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, result.Principal);
                return Results.LocalRedirect(safeReturn);
            })
            .AllowAnonymous()
            .RequireRateLimiting(SignInRateLimit);

        app.MapPost("/account/logout", async ([FromForm] string? reason, HttpContext http) =>
            {
                await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                return Results.Redirect("/account/login");
            })
            .RequireAuthorization(Policies.SignedIn);
    }

    public static bool IsLocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
