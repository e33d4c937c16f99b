namespace AdminPortal.Web.Security;

/// <summary>
/// Response hardening headers on every answer (docs/reliability.md). The Content-Security-Policy is as strict
/// as Blazor Server, Radzen and BlazorMonaco allow: scripts only from the portal itself (no inline script, no
/// eval), styles may be inline (Radzen and Monaco set style attributes and inject style elements), Monaco's
/// web workers load from the portal's own _content URLs (verified in Chromium), the circuit's WebSocket is same-origin ('self'), and no framing at all.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; " +
        "script-src 'self'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self' data:; " +
        "connect-src 'self'; " +
        "worker-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'; " +
        "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    /// <summary>
    /// True when the portal listens on an https:// address (urls / ASPNETCORE_URLS / Kestrel endpoints /
    /// https_port): only then are HTTP requests redirected to HTTPS, so the plain `dotnet run` on
    /// http://localhost:5080 keeps working.
    /// </summary>
    public static bool HttpsConfigured(IConfiguration configuration)
    {
        static bool IsHttps(string? urls) =>
            urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) == true;

        return IsHttps(configuration["urls"]) || IsHttps(configuration["ASPNETCORE_URLS"])
            || !string.IsNullOrEmpty(configuration["https_port"]) || !string.IsNullOrEmpty(configuration["HTTPS_PORTS"])
            || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any(e => IsHttps(e["Url"]));
    }
}
