using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Onboarding;

/// <summary>The wizard's steps, in order.</summary>
public enum OnboardingStep
{
    Package = 0,
    Credentials = 1,
    Target = 2,
    Test = 3,
    SystemAndEndpoint = 4,
    Preview = 5,
    Import = 6,
    Done = 7,
}

/// <summary>
/// Where an onboarding stands, derived only from the objects that exist: the connection (ConnectionJSON entered,
/// placeholders filled), its target settings and test (the audit events the Connections service writes), the security
/// system importing through it, that system's first endpoint, and the endpoint's runs and import job. Nothing of the
/// wizard is stored, so an onboarding left at any step resumes where the objects say it is.
/// </summary>
public sealed record OnboardingState(
    string Connection,
    DateTime UpdatedUtc,
    bool ConnectionJsonEntered,
    bool HasImportJson,
    IReadOnlyList<string> Placeholders,
    bool TargetSaved,
    bool? LastTestSucceeded,
    string? SecuritySystem,
    string? Endpoint,
    long? PreviewRunId,
    JobRunStatus? PreviewStatus,
    long? ImportRunId,
    JobRunStatus? ImportStatus,
    int Accounts,
    string? JobName)
{
    public bool IsDone(OnboardingStep step) => step switch
    {
        OnboardingStep.Package => true,
        OnboardingStep.Credentials => ConnectionJsonEntered && HasImportJson && Placeholders.Count == 0,
        OnboardingStep.Target => TargetSaved,
        OnboardingStep.Test => LastTestSucceeded == true,
        OnboardingStep.SystemAndEndpoint => SecuritySystem is not null && Endpoint is not null,
        OnboardingStep.Preview => PreviewStatus == JobRunStatus.PreviewReady || ImportStatus == JobRunStatus.Succeeded,
        OnboardingStep.Import => ImportStatus == JobRunStatus.Succeeded,
        _ => IsComplete,
    };

    public bool IsComplete => ImportStatus == JobRunStatus.Succeeded;

    /// <summary>The first step not yet done: where the wizard resumes.</summary>
    public OnboardingStep Current =>
        Enum.GetValues<OnboardingStep>().Where(s => s != OnboardingStep.Done).FirstOrDefault(s => !IsDone(s), OnboardingStep.Done);
}

/// <summary>Reads onboarding state; every write of the wizard goes through the admin pages' own services.</summary>
public class OnboardingService(IDbContextFactory<AdminPortalDbContext> dbFactory, ConnectionService connections)
{
    public static readonly IReadOnlyList<(OnboardingStep Step, string Title, string Hint)> Steps =
    [
        (OnboardingStep.Package, "Package or blank connection", "Upload a transport package, or start from a blank REST connection."),
        (OnboardingStep.Credentials, "Credentials and placeholders", "Enter the ConnectionJSON and a value for every placeholder."),
        (OnboardingStep.Target, "Base URL and rewrites", "Where relative URLs resolve, and URL prefixes to send elsewhere."),
        (OnboardingStep.Test, "Test connection", "Run the profile's test call and read the exchange."),
        (OnboardingStep.SystemAndEndpoint, "Security system and endpoint", "The objects imports and requests are attached to."),
        (OnboardingStep.Preview, "Import preview", "A dry run: what the first import would bring, nothing written."),
        (OnboardingStep.Import, "Import and schedule", "Run the import; optionally schedule it."),
    ];

    public async Task<OnboardingState?> GetAsync(string connectionName, CancellationToken ct = default)
    {
        var connection = await connections.GetDecryptedAsync(connectionName, ct);
        if (connection is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        var connectionJson = connection.Attribute(ConnectionAttributeNames.ConnectionJson)?.Value;
        var placeholders = connection.Attributes.SelectMany(a => PlaceholderScanner.Find(a.Value)).Select(p => p.Token).Distinct(StringComparer.Ordinal).ToList();
        var targetSaved = connection.BaseUrl is not null || connection.UrlRewritesJson is not null
                          || await db.AuditEvents.AnyAsync(e => e.Action == "connection.target" && e.TargetKind == "connection" && e.TargetName == connection.Name, ct);
        var lastTest = await db.AuditEvents.AsNoTracking()
            .Where(e => e.Action == "connection.test" && e.TargetKind == "connection" && e.TargetName == connection.Name)
            .OrderByDescending(e => e.Id).Select(e => e.Details).FirstOrDefaultAsync(ct);

        var system = await db.SecuritySystems.AsNoTracking().Where(s => s.ImportConnectionId == connection.Id).OrderBy(s => s.Id)
            .Select(s => new { s.Name, Endpoint = s.Endpoints.OrderBy(e => e.Id).Select(e => new { e.Id, e.Name }).FirstOrDefault() }).FirstOrDefaultAsync(ct);
        long? previewId = null, importId = null;
        JobRunStatus? previewStatus = null, importStatus = null;
        var accounts = 0;
        string? jobName = null;
        if (system?.Endpoint is { } endpoint)
        {
            var preview = await db.JobRuns.AsNoTracking().Where(r => r.EndpointId == endpoint.Id && r.IsPreview).OrderByDescending(r => r.Id)
                .Select(r => new { r.Id, r.Status }).FirstOrDefaultAsync(ct);
            var import = await db.JobRuns.AsNoTracking().Where(r => r.EndpointId == endpoint.Id && !r.IsPreview && r.Kind == JobKind.ApplicationDataImport)
                .OrderByDescending(r => r.Id).Select(r => new { r.Id, r.Status }).FirstOrDefaultAsync(ct);
            // A failed or cancelled latest run does not undo an earlier success: the endpoint was imported.
            var succeeded = await db.JobRuns.AsNoTracking().Where(r => r.EndpointId == endpoint.Id && !r.IsPreview && r.Status == JobRunStatus.Succeeded)
                .OrderByDescending(r => r.Id).Select(r => (long?)r.Id).FirstOrDefaultAsync(ct);
            previewId = preview?.Id;
            previewStatus = preview?.Status;
            if (import is not null)
            {
                (importId, importStatus) = succeeded is { } s && import.Status is not (JobRunStatus.Queued or JobRunStatus.Running)
                    ? (s, JobRunStatus.Succeeded) : (import.Id, import.Status);
            }
            accounts = await db.Accounts.CountAsync(a => a.EndpointId == endpoint.Id, ct);
            jobName = await db.Jobs.Where(j => j.EndpointId == endpoint.Id && j.Kind == JobKind.ApplicationDataImport).Select(j => j.Name).FirstOrDefaultAsync(ct);
        }

        return new OnboardingState(
            connection.Name,
            connection.UpdatedUtc,
            !connection.ConnectionJsonNeedsEntry && !string.IsNullOrWhiteSpace(connectionJson),
            !string.IsNullOrWhiteSpace(connection.Attribute(ConnectionAttributeNames.ImportAccountEntJson)?.Value),
            placeholders,
            targetSaved,
            lastTest is null ? null : lastTest.Contains("success=True", StringComparison.Ordinal),
            system?.Name,
            system?.Endpoint?.Name,
            previewId, previewStatus, importId, importStatus, accounts, jobName);
    }

    /// <summary>Every connection whose onboarding is not complete (no successful import through it yet), most recently changed first.</summary>
    public async Task<List<OnboardingState>> InProgressAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var names = await db.Connections.AsNoTracking().OrderByDescending(c => c.UpdatedUtc).Select(c => c.Name).ToListAsync(ct);
        var result = new List<OnboardingState>();
        foreach (var name in names)
        {
            if (await GetAsync(name, ct) is { IsComplete: false } state) result.Add(state);
        }

        return result;
    }
}
