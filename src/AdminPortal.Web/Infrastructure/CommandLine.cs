using AdminPortal.Web.Security;

namespace AdminPortal.Web.Infrastructure;

/// <summary>
/// Maintenance commands run through the same host: <c>create-api-token --user NAME [--days N] [--name TEXT]</c>.
/// </summary>
public static class CommandLine
{
    public static async Task<bool> TryRunAsync(WebApplication app, string[] args)
    {
        if (args.Length == 0 || args[0] != "create-api-token") return false;

        string? Option(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        var user = Option("--user");
        if (user is null)
        {
            Console.Error.WriteLine("usage: create-api-token --user <name> [--days N] [--name TEXT]");
            Environment.ExitCode = 2;
            return true;
        }

        int? days = int.TryParse(Option("--days"), out var d) ? d : null;
        try
        {
            var created = await scope.ServiceProvider.GetRequiredService<ApiTokenService>()
                .CreateAsync(user, Option("--name") ?? "cli", days, "cli");
            Console.WriteLine(created.Token);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            Environment.ExitCode = 1;
        }

        return true;
    }
}
