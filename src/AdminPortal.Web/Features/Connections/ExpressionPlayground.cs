using AdminPortal.Core.Connectors.Templates;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Connections;

/// <summary>What to evaluate: a template with <c>${...}</c> and what its variables are bound to.</summary>
/// <param name="User">Username of an identity, bound as <c>user</c> (and its manager as <c>userManager</c>).</param>
/// <param name="Account">Account name or id, bound as <c>account</c> and <c>accountName</c>; <paramref name="Endpoint"/> narrows it.</param>
/// <param name="Record">A JSON object bound as <c>response</c> and, property by property, as top-level variables (import mapping style).</param>
public sealed record ExpressionRequest(string? Template, string? User = null, string? Account = null, string? Endpoint = null, JToken? Record = null);

/// <summary>The rendered text, or the error and its 1-based position (line and column) in the template.</summary>
public sealed record ExpressionOutcome(string? Result, string? Error, int? Position, int? Line, int? Column, IReadOnlyList<string> Variables);

/// <summary>Evaluates a template with the connector engine's own renderer, against a real user/account or a pasted record.</summary>
public class ExpressionPlayground(IDbContextFactory<AdminPortalDbContext> dbFactory)
{
    public const int MaxTemplateLength = 20_000;

    public async Task<ExpressionOutcome> EvaluateAsync(ExpressionRequest request, CancellationToken ct = default)
    {
        var template = request.Template ?? "";
        if (template.Length > MaxTemplateLength) return Fail($"The template is longer than {MaxTemplateLength} characters.");
        var bindings = new Bindings();
        var variables = new List<string>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!string.IsNullOrWhiteSpace(request.User))
        {
            var user = await db.Users.AsNoTracking().Include(u => u.Manager).SingleOrDefaultAsync(u => u.Username == request.User.Trim(), ct);
            if (user is null) return Fail($"No user named '{request.User}'.");
            bindings.Set("user", UserMap(user));
            variables.Add("user");
            if (user.Manager is not null)
            {
                bindings.Set("userManager", UserMap(user.Manager));
                variables.Add("userManager");
            }
        }

        if (!string.IsNullOrWhiteSpace(request.Account))
        {
            var name = request.Account.Trim();
            var query = db.Accounts.AsNoTracking().Include(a => a.Endpoint).Where(a => a.Name == name || a.AccountId == name);
            if (!string.IsNullOrWhiteSpace(request.Endpoint)) query = query.Where(a => a.Endpoint!.Name == request.Endpoint.Trim());
            var accounts = await query.Take(2).ToListAsync(ct);
            if (accounts.Count == 0) return Fail($"No account '{request.Account}'{(string.IsNullOrWhiteSpace(request.Endpoint) ? "" : $" on endpoint '{request.Endpoint}'")}.");
            if (accounts.Count > 1) return Fail($"Account '{request.Account}' exists on several endpoints; name the endpoint.");
            bindings.Set("account", AccountMap(accounts[0]));
            bindings.Set("accountName", accounts[0].Name);
            variables.AddRange(["account", "accountName"]);
        }

        if (request.Record is { Type: not JTokenType.Null } record)
        {
            if (record is not JObject obj) return Fail("The record must be a JSON object.");
            bindings.Set("response", obj);
            variables.Add("response");
            foreach (var p in obj.Properties())
            {
                if (variables.Contains(p.Name, StringComparer.Ordinal)) continue;
                bindings.Set(p.Name, p.Value);
                variables.Add(p.Name);
            }
        }

        try
        {
            return new ExpressionOutcome(TemplateRenderer.Render(template, bindings), null, null, null, null, variables);
        }
        catch (ExpressionException e)
        {
            var offset = OffsetInTemplate(template, e);
            var (line, column) = LineColumn(template, offset);
            return new ExpressionOutcome(null, e.Message, offset + 1, line, column, variables);
        }
    }

    /// <summary>Usernames for the playground's user picker (first <paramref name="take"/> matching <paramref name="filter"/>).</summary>
    public async Task<List<string>> UsernamesAsync(string? filter, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter)) query = query.Where(u => u.Username.Contains(filter.Trim()));
        return await query.OrderBy(u => u.Username).Select(u => u.Username).Take(take).ToListAsync(ct);
    }

    /// <summary>Parses the JSON text of a pasted record; the error names line and position.</summary>
    public static (JToken? Record, string? Error) ParseRecord(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        try
        {
            return (JToken.Parse(text), null);
        }
        catch (JsonReaderException e)
        {
            return (null, $"Record: {e.Message.Split(". Path")[0]} (line {e.LineNumber}, position {e.LinePosition}).");
        }
    }

    private static ExpressionOutcome Fail(string error) => new(null, error, null, null, null, []);

    /// <summary>The error offset inside the whole template (the renderer reports it inside one <c>${...}</c>).</summary>
    private static int OffsetInTemplate(string template, ExpressionException e)
    {
        if (e.Expression == template) return e.Offset;
        try
        {
            foreach (var segment in TemplateScanner.Split(template))
                if (segment.IsExpression && segment.Text == e.Expression) return segment.Offset + e.Offset;
        }
        catch (ExpressionException split)
        {
            return split.Offset;
        }

        var at = template.IndexOf(e.Expression, StringComparison.Ordinal);
        return at < 0 ? 0 : at + e.Offset;
    }

    private static (int Line, int Column) LineColumn(string text, int offset)
    {
        int line = 1, column = 1;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; column = 1; }
            else column++;
        }

        return (line, column);
    }

    /// <summary>The identity as Saviynt's <c>user</c> binding (column names, case-insensitive).</summary>
    public static Dictionary<string, object?> UserMap(AppUser u)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["username"] = u.Username,
            ["systemUserName"] = u.Username,
            ["firstname"] = u.FirstName,
            ["lastname"] = u.LastName,
            ["displayname"] = u.DisplayName,
            ["email"] = u.Email,
            ["statuskey"] = u.Status == UserStatus.Active ? "1" : "0",
            ["manager"] = u.Manager?.Username,
        };
        for (var i = 1; i <= AppUser.CustomPropertyCount; i++)
            map[$"customproperty{i}"] = typeof(AppUser).GetProperty($"CustomProperty{i}")?.GetValue(u) as string;
        return map;
    }

    /// <summary>The account as Saviynt's <c>account</c> binding.</summary>
    public static Dictionary<string, object?> AccountMap(Account a)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["accountID"] = a.AccountId,
            ["name"] = a.Name,
            ["displayName"] = a.DisplayName,
            ["description"] = a.Description,
            ["accounttype"] = a.AccountType,
            ["status"] = a.Status.ToString(),
            ["endpoint"] = a.Endpoint?.Name,
        };
        for (var i = 1; i <= Account.CustomPropertyCount; i++)
            map[$"customproperty{i}"] = typeof(Account).GetProperty($"CustomProperty{i}")?.GetValue(a) as string;
        return map;
    }
}
