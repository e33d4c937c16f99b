using System.Globalization;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Users;

public sealed record CsvRowError(int Row, string Username, string Reason);

public sealed record CsvImportResult(int Created, int Updated, IReadOnlyList<CsvRowError> Errors, string? FileError)
{
    public int Imported => Created + Updated;
}

/// <summary>
/// Imports users from CSV (username, firstname, lastname, email, manager, status, customproperty1…).
/// Each bad row is reported with its row number (the header is row 1) and nothing of it is stored;
/// good rows are written together in one transaction. Existing users are updated.
/// </summary>
public class UserCsvImporter(IDbContextFactory<AdminPortalDbContext> dbFactory, AuditService audit, TimeProvider clock)
{
    public const int MaxRows = 200_000;
    private const string ExtraFieldsKey = "\u0000extra";
    private static readonly string[] KnownColumns = ["username", "firstname", "lastname", "email", "manager", "status"];

    public async Task<CsvImportResult> ImportAsync(Stream csv, string actor, CancellationToken ct = default)
    {
        List<Dictionary<string, string>> rows;
        try
        {
            rows = Read(csv);
        }
        catch (CsvFormatException e)
        {
            return new CsvImportResult(0, 0, [], e.Message);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.Users.ToDictionaryAsync(u => u.Username, StringComparer.OrdinalIgnoreCase, ct);
        var inFile = rows.Select(r => r.GetValueOrDefault("username")?.Trim() ?? "").Where(u => u.Length > 0)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var errors = new List<CsvRowError>();
        var accepted = new List<(AppUser User, string? Manager, bool IsNew)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var now = clock.GetUtcNow().UtcDateTime;

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var rowNumber = i + 2;
            var username = row.GetValueOrDefault("username")?.Trim() ?? "";
            var reason = ValidateRow(row, username, seen, existing, inFile);
            if (reason is not null)
            {
                errors.Add(new CsvRowError(rowNumber, username, reason));
                continue;
            }

            seen.Add(username);
            var isNew = !existing.TryGetValue(username, out var user);
            user ??= new AppUser { Username = username, CreatedUtc = now, Roles = [new UserRole { Role = SavRoles.EndUser }] };
            user.FirstName = Blank(row.GetValueOrDefault("firstname"));
            user.LastName = Blank(row.GetValueOrDefault("lastname"));
            user.Email = Blank(row.GetValueOrDefault("email"));
            user.Status = ParseStatus(row.GetValueOrDefault("status")) ?? UserStatus.Active;
            user.UpdatedUtc = now;
            for (var p = 1; p <= AppUser.CustomPropertyCount; p++)
            {
                if (row.TryGetValue($"customproperty{p}", out var value))
                    typeof(AppUser).GetProperty($"CustomProperty{p}")!.SetValue(user, Blank(value));
            }

            if (isNew) db.Users.Add(user);
            accepted.Add((user, Blank(row.GetValueOrDefault("manager")), isNew));
        }

        // Managers are resolved after every row is known, so a file may name a manager on a later row.
        var byName = existing.Values.Concat(accepted.Select(a => a.User)).DistinctBy(u => u.Username, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(u => u.Username, StringComparer.OrdinalIgnoreCase);
        foreach (var (user, manager, _) in accepted)
        {
            user.Manager = manager is null ? null : byName[manager];
            if (manager is null) user.ManagerId = null;
        }

        if (accepted.Count > 0)
        {
            db.AuditEvents.Add(audit.Create(actor, "user.csvimport", "user", null, $"rows={rows.Count} imported={accepted.Count} errors={errors.Count}"));
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        return new CsvImportResult(accepted.Count(a => a.IsNew), accepted.Count(a => !a.IsNew), errors, null);
    }

    private static string? ValidateRow(Dictionary<string, string> row, string username, HashSet<string> seen,
        Dictionary<string, AppUser> existing, HashSet<string> inFile)
    {
        if (username.Length == 0) return "username is empty.";
        if (username.Length > 100) return "username is longer than 100 characters.";
        if (username.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))) return "username contains spaces or control characters.";
        if (row.TryGetValue(ExtraFieldsKey, out var counts))
            return $"the row has {counts.Split('/')[0]} fields but the header has {counts.Split('/')[1]}.";
        if (seen.Contains(username)) return $"username '{username}' appears more than once in the file.";
        foreach (var (column, value) in row)
        {
            if (value.Length > UserService.MaxFieldLength) return $"{column} is longer than {UserService.MaxFieldLength} characters.";
            if (value.Any(c => char.IsControl(c) && c != '\t')) return $"{column} contains control characters.";
        }

        var email = Blank(row.GetValueOrDefault("email"));
        if (email is not null && !System.Net.Mail.MailAddress.TryCreate(email, out _)) return $"email '{email}' is not a valid address.";
        var status = row.GetValueOrDefault("status");
        if (!string.IsNullOrWhiteSpace(status) && ParseStatus(status) is null) return $"status '{status}' is not one of active, inactive, 1, 0.";
        var manager = Blank(row.GetValueOrDefault("manager"));
        if (manager is not null)
        {
            if (string.Equals(manager, username, StringComparison.OrdinalIgnoreCase)) return "a user cannot be their own manager.";
            if (!existing.ContainsKey(manager) && !inFile.Contains(manager)) return $"manager '{manager}' does not exist.";
        }

        return null;
    }

    private static List<Dictionary<string, string>> Read(Stream csv)
    {
        using var reader = new StreamReader(csv, detectEncodingFromByteOrderMarks: true);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            BadDataFound = null,
            MissingFieldFound = null,
            DetectDelimiter = true,
        };
        using var parser = new CsvReader(reader, config);
        try
        {
            if (!parser.Read() || !parser.ReadHeader())
                throw new CsvFormatException("The file is empty: the first row must be a header (username, firstname, lastname, email, manager, status, customproperty1…).");
        }
        catch (CsvHelperException e)
        {
            throw new CsvFormatException($"The header row could not be read: {e.Message.Split('\n')[0]}");
        }

        var header = parser.HeaderRecord!.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToArray();
        var unknown = header.Where(h => !KnownColumns.Contains(h) && !IsCustomProperty(h)).ToList();
        if (unknown.Count > 0)
            throw new CsvFormatException($"Unknown column(s) in the header: {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Allowed: {string.Join(", ", KnownColumns)}, customproperty1…customproperty{AppUser.CustomPropertyCount}.");
        if (!header.Contains("username"))
            throw new CsvFormatException("The header has no 'username' column.");
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new CsvFormatException($"Column '{duplicate.Key}' appears twice in the header.");

        var rows = new List<Dictionary<string, string>>();
        while (true)
        {
            try
            {
                if (!parser.Read()) break;
            }
            catch (CsvHelperException e)
            {
                throw new CsvFormatException($"Row {rows.Count + 2} could not be parsed: {e.Message.Split('\n')[0]}");
            }

            if (rows.Count >= MaxRows) throw new CsvFormatException($"The file has more than {MaxRows} rows; split it.");
            var row = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var c = 0; c < header.Length; c++) row[header[c]] = parser.GetField(c) ?? "";
            if (parser.Parser.Count > header.Length)
                row[ExtraFieldsKey] = $"{parser.Parser.Count}/{header.Length}";
            rows.Add(row);
        }

        return rows;
    }

    private static bool IsCustomProperty(string h) =>
        h.StartsWith("customproperty", StringComparison.Ordinal) &&
        int.TryParse(h["customproperty".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= AppUser.CustomPropertyCount;

    private static UserStatus? ParseStatus(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => UserStatus.Active,
        "active" or "1" or "enabled" => UserStatus.Active,
        "inactive" or "0" or "disabled" => UserStatus.Inactive,
        _ => null,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed class CsvFormatException(string message) : Exception(message);
}
