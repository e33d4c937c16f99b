using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Text.RegularExpressions;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Features.Provisioning;

public enum EmailEvent
{
    RequestCreated,
    RequestApproved,
    RequestRejected,
    Provisioned,
    Failed,
}

/// <summary>
/// Request and provisioning notifications: rendered from the provisioning connection's e-mail template
/// (Connection.EmailTemplate names an EmailTemplate row) or the built-in defaults, and written to the outbox.
/// <see cref="EmailSender"/> delivers them over SMTP only when SMTP is configured.
/// </summary>
public sealed partial class EmailService(IDbContextFactory<AdminPortalDbContext> dbFactory, TimeProvider clock)
{
    public static readonly IReadOnlyDictionary<EmailEvent, (string Subject, string Body)> Defaults = new Dictionary<EmailEvent, (string, string)>
    {
        [EmailEvent.RequestCreated] = ("Access request ${requestId} for ${endpoint} needs your approval",
            "${requester} asked for ${items} on ${endpoint} for ${beneficiary}.\nJustification: ${justification}\n\nApprove or reject it under Approvals in AdminPortal."),
        [EmailEvent.RequestApproved] = ("Access request ${requestId} was approved",
            "Your request for ${items} on ${endpoint} for ${beneficiary} was approved by ${decidedBy}.\nComment: ${comment}"),
        [EmailEvent.RequestRejected] = ("Access request ${requestId} was rejected",
            "Your request for ${items} on ${endpoint} for ${beneficiary} was rejected by ${decidedBy}.\nComment: ${comment}"),
        [EmailEvent.Provisioned] = ("Access request ${requestId} is provisioned",
            "${items} on ${endpoint} for ${beneficiary} is now provisioned."),
        [EmailEvent.Failed] = ("Access request ${requestId} failed",
            "Provisioning ${items} on ${endpoint} for ${beneficiary} failed: ${error}\nAn administrator has been notified through the Tasks page."),
    };

    /// <summary>Adds the messages of one event to the outbox (the caller saves).</summary>
    public async Task QueueAsync(AdminPortalDbContext db, EmailEvent ev, AccessRequest request, string? error, CancellationToken ct)
    {
        var endpoint = request.Endpoint ?? await db.Endpoints.AsNoTracking().SingleAsync(e => e.Id == request.EndpointId, ct);
        var requester = request.Requester ?? await db.Users.AsNoTracking().SingleAsync(u => u.Id == request.RequesterId, ct);
        var beneficiary = request.Beneficiary ?? await db.Users.AsNoTracking().SingleAsync(u => u.Id == request.BeneficiaryId, ct);
        var decider = request.DecidedById is { } d ? await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == d, ct) : null;
        var itemNames = await db.AccessRequestItems.AsNoTracking().Where(i => i.AccessRequestId == request.Id && i.EntitlementValue != null)
            .Select(i => i.EntitlementValue!.EntitlementType!.Name + " " + i.EntitlementValue.Value).ToListAsync(ct);
        if (request.Kind == AccessRequestKind.NewAccount) itemNames.Insert(0, "a new account");

        var recipients = new List<string?>();
        if (ev == EmailEvent.RequestCreated)
        {
            var approverNames = AccessRequestRules.Approvers(endpoint.ApproverMode, endpoint.ApproverUsernames,
                beneficiary.ManagerId is { } m ? await db.Users.AsNoTracking().Where(u => u.Id == m).Select(u => u.Username).SingleOrDefaultAsync(ct) : null);
            recipients.AddRange(await db.Users.AsNoTracking().Where(u => approverNames.Contains(u.Username)).Select(u => u.Email).ToListAsync(ct));
        }
        else
        {
            recipients.Add(requester.Email);
            if (beneficiary.Id != requester.Id) recipients.Add(beneficiary.Email);
        }

        var to = recipients.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e!.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (to.Count == 0) return;

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["requestId"] = request.Id.ToString(CultureInfo.InvariantCulture),
            ["event"] = ev.ToString(),
            ["endpoint"] = endpoint.DisplayName ?? endpoint.Name,
            ["requester"] = requester.DisplayName,
            ["beneficiary"] = beneficiary.DisplayName,
            ["items"] = string.Join(", ", itemNames),
            ["justification"] = request.BusinessJustification,
            ["decidedBy"] = decider?.DisplayName,
            ["comment"] = request.DecisionComment,
            ["status"] = request.Status.ToString(),
            ["error"] = error,
        };

        var (subject, body) = Defaults[ev];
        var template = await TemplateForAsync(db, endpoint.SecuritySystemId, ct);
        if (template is not null)
        {
            if (!string.IsNullOrWhiteSpace(template.Subject)) subject = template.Subject;
            if (!string.IsNullOrWhiteSpace(template.Body)) body = template.Body;
        }

        db.EmailOutbox.Add(new EmailOutboxMessage
        {
            To = string.Join(", ", to),
            Subject = Render(subject, values),
            Body = Render(body, values),
            Event = ev.ToString(),
            CreatedUtc = clock.GetUtcNow().UtcDateTime,
        });
    }

    private static async Task<EmailTemplate?> TemplateForAsync(AdminPortalDbContext db, int securitySystemId, CancellationToken ct)
    {
        var name = await db.SecuritySystems.AsNoTracking().Where(s => s.Id == securitySystemId)
            .Select(s => s.ProvisioningConnection == null ? null : s.ProvisioningConnection.EmailTemplate).SingleOrDefaultAsync(ct);
        return string.IsNullOrWhiteSpace(name) ? null : await db.EmailTemplates.AsNoTracking().SingleOrDefaultAsync(t => t.Name == name, ct);
    }

    /// <summary>Replaces <c>${name}</c> with the value (empty when unknown); nothing else is evaluated.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string?> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v ?? "" : "");

    public async Task<List<EmailOutboxMessage>> ListAsync(int take = 500, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.EmailOutbox.AsNoTracking().OrderByDescending(m => m.Id).Take(take).ToListAsync(ct);
    }

    [GeneratedRegex(@"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")]
    private static partial Regex Placeholder();
}

/// <summary>Delivers unsent outbox messages over SMTP (System.Net.Mail) when Email:SmtpHost is set; otherwise they stay in the outbox.</summary>
public sealed class EmailSender(IDbContextFactory<AdminPortalDbContext> dbFactory, IOptionsMonitor<EmailOptions> options, TimeProvider clock, ILogger<EmailSender> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var o = options.CurrentValue;
            try
            {
                if (!string.IsNullOrWhiteSpace(o.SmtpHost)) await SendPendingAsync(o, stoppingToken);
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(5, o.SendIntervalSeconds)), clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Sending e-mail failed");
                await Task.Delay(TimeSpan.FromSeconds(30), clock, stoppingToken);
            }
        }
    }

    private async Task SendPendingAsync(EmailOptions o, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.EmailOutbox.Where(m => m.SentUtc == null && m.Error == null).OrderBy(m => m.Id).Take(50).ToListAsync(ct);
        if (pending.Count == 0) return;
        using var smtp = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.EnableSsl };
        if (!string.IsNullOrEmpty(o.Username)) smtp.Credentials = new NetworkCredential(o.Username, o.Password);
        foreach (var m in pending)
        {
            try
            {
                using var message = new MailMessage { From = new MailAddress(o.From), Subject = m.Subject, Body = m.Body ?? "" };
                foreach (var to in m.To.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) message.To.Add(to);
                await smtp.SendMailAsync(message, ct);
                m.SentUtc = clock.GetUtcNow().UtcDateTime;
            }
            catch (Exception e) when (e is SmtpException or FormatException or InvalidOperationException)
            {
                m.Error = e.Message;
                logger.LogWarning("E-mail {Id} to {To} not sent: {Error}", m.Id, m.To, e.Message);
            }
        }

        await db.SaveChangesAsync(ct);
    }
}
