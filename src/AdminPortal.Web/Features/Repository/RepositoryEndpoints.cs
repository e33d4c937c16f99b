using System.Globalization;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Security;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Repository;

/// <summary>The Accounts page's CSV download: cookie-authenticated (reviewer), read-only, streamed row by row.</summary>
public static class RepositoryEndpoints
{
    public static void MapRepositoryEndpoints(this WebApplication app)
    {
        app.MapGet("/identities/accounts/export.csv", async (HttpContext http, RepositoryService repository, IDbContextFactory<AdminPortalDbContext> dbFactory,
            [FromQuery] string? endpoint, [FromQuery] string? q, [FromQuery] string? status, [FromQuery] string? owner, [FromQuery] string? property, [FromQuery] string? value, [FromQuery] string? match) =>
        {
            if (string.IsNullOrWhiteSpace(endpoint)) return Results.BadRequest("endpoint is required.");
            AccountStatus? parsedStatus = null;
            if (!string.IsNullOrWhiteSpace(status))
            {
                if (!Enum.TryParse<AccountStatus>(status, true, out var s)) return Results.BadRequest($"Unknown status '{status}'.");
                parsedStatus = s;
            }

            if (RepositoryService.ParsePropertyMatch(match) is not { } propertyMatch) return Results.BadRequest($"Unknown match '{match}': use equals or contains.");

            var ct = http.RequestAborted;
            var labels = await repository.AccountColumnLabelsAsync(endpoint, ct);
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var query = await RepositoryService.QueryAsync(db, new AccountFilter(endpoint, q, parsedStatus, owner, property, value, propertyMatch), ct);
            if (query is null) return Results.NotFound($"No endpoint named '{endpoint}'.");

            var properties = labels.Keys.Select(c => typeof(Account).GetProperty(c)!).ToArray();
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"accounts-{SafeFileName(endpoint)}.csv\"";
            await using var writer = new StreamWriter(http.Response.Body, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            foreach (var header in new[] { "accountId", "name", "displayName", "status", "owner", "accountType", "lastSeenRunId", "updatedUtc" }.Concat(labels.Select(l => $"{l.Value} ({l.Key})")))
                csv.WriteField(header);
            await csv.NextRecordAsync();
            var rows = 0;
            await foreach (var a in RepositoryService.Sort(query, null).Select(a => new { Account = a, Owner = a.Owner!.Username }).AsAsyncEnumerable().WithCancellation(ct))
            {
                csv.WriteField(a.Account.AccountId);
                csv.WriteField(a.Account.Name);
                csv.WriteField(a.Account.DisplayName);
                csv.WriteField(a.Account.Status.ToString());
                csv.WriteField(a.Owner);
                csv.WriteField(a.Account.AccountType);
                csv.WriteField(a.Account.LastSeenRunId);
                csv.WriteField(a.Account.UpdatedUtc.ToString("O", CultureInfo.InvariantCulture));
                foreach (var p in properties) csv.WriteField((string?)p.GetValue(a.Account));
                await csv.NextRecordAsync();
                if (++rows % 1000 == 0) await csv.FlushAsync();
            }

            await csv.FlushAsync();
            return Results.Empty;
        }).RequireAuthorization(Policies.Reviewer);
    }

    private static string SafeFileName(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
