using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Tests.Provisioning;

public class ProvisioningEmailTests
{
    [Fact]
    public void Render_ReplacesKnownNames_UnknownNamesBecomeEmpty_ExpressionsStayLiteral()
    {
        var text = EmailService.Render("Request ${requestId} for ${ beneficiary }: ${unknown}${user.password} ${1+1}", new Dictionary<string, string?>
        {
            ["requestId"] = "42", ["beneficiary"] = "Erik",
        });
        Assert.Equal("Request 42 for Erik: ${user.password} ${1+1}", text);
    }

    [Fact]
    public async Task Request_CreatedAndRejected_WritesOutbox_ApproversThenRequester_WithConnectionTemplateOrDefaults()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false,
            new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" });
        await h.AddUserAsync("emp", "boss", "emp@example.test");
        var service = h.Service<AccessRequestService>();

        var first = await service.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "needs it", null), new Actor("emp", false));
        await using (var db = h.Db())
        {
            var created = await db.EmailOutbox.AsNoTracking().SingleAsync();
            Assert.Equal("boss@example.test", created.To);
            Assert.Equal(nameof(EmailEvent.RequestCreated), created.Event);
            Assert.Equal($"Access request {first.Id} for {h.Endpoint} needs your approval", created.Subject);
            Assert.Contains("needs it", created.Body);
            Assert.Null(created.SentUtc);

            // the provisioning connection names a template: it wins over the defaults
            db.EmailTemplates.Add(new EmailTemplate { Name = "prov-mail", Subject = "[${event}] #${requestId} ${status}", Body = "Dear ${beneficiary}: ${comment}" });
            var system = await db.SecuritySystems.Include(s => s.ProvisioningConnection).SingleAsync(s => s.Endpoints.Any(e => e.Name == h.Endpoint));
            system.ProvisioningConnection!.EmailTemplate = "prov-mail";
            await db.SaveChangesAsync();
        }

        await service.DecideAsync(first.Id, false, "use the shared one", new Actor("boss", false));
        await using (var db = h.Db())
        {
            var rejected = await db.EmailOutbox.AsNoTracking().OrderBy(m => m.Id).LastAsync();
            Assert.Equal("emp@example.test", rejected.To);
            Assert.Equal($"[RequestRejected] #{first.Id} Rejected", rejected.Subject);
            Assert.Equal("Dear emp Test: use the shared one", rejected.Body);
        }

        Assert.Contains(await h.Service<EmailService>().ListAsync(), m => m.Event == nameof(EmailEvent.RequestRejected));
    }
}
