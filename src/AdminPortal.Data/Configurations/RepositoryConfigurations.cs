using AdminPortal.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Data.Configurations;

public class EntitlementValueConfiguration : IEntityTypeConfiguration<EntitlementValue>
{
    public void Configure(EntityTypeBuilder<EntitlementValue> b)
    {
        b.ToTable("EntitlementValues");
        b.HasOne(v => v.EntitlementType).WithMany().HasForeignKey(v => v.EntitlementTypeId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(v => new { v.EntitlementTypeId, v.EntitlementId }).IsUnique();
        // EndpointId is denormalised for the grids; deliberately no FK (one cascade path only, as SQL Server requires).
        b.HasIndex(v => new { v.EndpointId, v.Status, v.Value });
        b.HasIndex(v => new { v.EntitlementTypeId, v.Value });
    }
}

public class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> b)
    {
        b.ToTable("Accounts");
        b.HasOne(a => a.Endpoint).WithMany().HasForeignKey(a => a.EndpointId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(a => a.Owner).WithMany().HasForeignKey(a => a.OwnerUserId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(a => new { a.EndpointId, a.AccountId }).IsUnique();
        // The reviewer grid filters by status and sorts by name inside one endpoint.
        b.HasIndex(a => new { a.EndpointId, a.Status, a.Name });
        // ... and by the target's own status column (customproperty11 in the shipped packages), with a count: range scans
        // of one index for both (migration 20261202170000_ReviewerGridIndexes).
        b.HasIndex(a => new { a.EndpointId, a.Status, a.CustomProperty11, a.Name });
        b.HasIndex(a => new { a.EndpointId, a.Name });
        b.HasIndex(a => a.OwnerUserId);
        // Search by the start of the name, id or display name, case-insensitively (ADR-015): case-folded copies that
        // SQLite computes on read (VIRTUAL: nothing stored in the row, only in their indexes), so every writer keeps
        // them right without knowing they exist (migration 20261202190000_AccountSearchAndCounts).
        foreach (var (key, source) in SearchKeys)
        {
            b.Property<string>(key).HasComputedColumnSql($"lower(\"{source}\")", stored: false).IsRequired(false);
            b.HasIndex(nameof(Account.EndpointId), key);
        }
    }

    /// <summary>Shadow column → the column it folds. Read them with <c>EF.Property&lt;string&gt;(account, key)</c>.</summary>
    public static readonly IReadOnlyList<(string Key, string Source)> SearchKeys =
    [
        ("SearchName", nameof(Account.Name)),
        ("SearchAccountId", nameof(Account.AccountId)),
        ("SearchDisplayName", nameof(Account.DisplayName)),
    ];
}

public class AccountCountConfiguration : IEntityTypeConfiguration<AccountCount>
{
    public void Configure(EntityTypeBuilder<AccountCount> b)
    {
        b.ToTable("AccountCounts");
        b.HasKey(c => new { c.EndpointId, c.Status });
        b.HasOne<Core.Domain.Endpoint>().WithMany().HasForeignKey(c => c.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class AccountEntitlementConfiguration : IEntityTypeConfiguration<AccountEntitlement>
{
    public void Configure(EntityTypeBuilder<AccountEntitlement> b)
    {
        b.ToTable("AccountEntitlements");
        b.HasKey(l => new { l.AccountId, l.EntitlementValueId });
        b.HasOne<Account>().WithMany().HasForeignKey(l => l.AccountId).OnDelete(DeleteBehavior.Cascade);
        // Restrict: entitlement values are inactivated, never deleted while linked; avoids a second cascade path.
        b.HasOne<EntitlementValue>().WithMany().HasForeignKey(l => l.EntitlementValueId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(l => l.EntitlementValueId);
    }
}

public class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> b)
    {
        b.ToTable("Jobs");
        b.HasIndex(j => j.Name).IsUnique();
        b.HasOne(j => j.Endpoint).WithMany().HasForeignKey(j => j.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> b)
    {
        b.ToTable("JobRuns");
        b.HasOne<Job>().WithMany().HasForeignKey(r => r.JobId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(r => new { r.EndpointId, r.QueuedUtc });
        b.HasIndex(r => r.Status);
    }
}

public class HttpExchangeConfiguration : IEntityTypeConfiguration<HttpExchange>
{
    public void Configure(EntityTypeBuilder<HttpExchange> b)
    {
        b.ToTable("HttpExchanges");
        b.HasOne<JobRun>().WithMany().HasForeignKey(x => x.JobRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.JobRunId, x.Sequence });
        b.HasIndex(x => x.TaskId);
    }
}

public class ProvisioningTaskConfiguration : IEntityTypeConfiguration<ProvisioningTask>
{
    public void Configure(EntityTypeBuilder<ProvisioningTask> b)
    {
        b.ToTable("ProvisioningTasks");
        b.HasOne(t => t.Endpoint).WithMany().HasForeignKey(t => t.EndpointId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(t => t.Account).WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne(t => t.EntitlementValue).WithMany().HasForeignKey(t => t.EntitlementValueId).OnDelete(DeleteBehavior.SetNull);
        b.HasOne<AccessRequest>().WithMany().HasForeignKey(t => t.AccessRequestId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(t => new { t.Status, t.NextAttemptUtc });
        b.HasIndex(t => new { t.EndpointId, t.Status });
    }
}

public class AccessRequestConfiguration : IEntityTypeConfiguration<AccessRequest>
{
    public void Configure(EntityTypeBuilder<AccessRequest> b)
    {
        b.ToTable("AccessRequests");
        b.HasOne(r => r.Requester).WithMany().HasForeignKey(r => r.RequesterId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(r => r.Beneficiary).WithMany().HasForeignKey(r => r.BeneficiaryId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(r => r.Endpoint).WithMany().HasForeignKey(r => r.EndpointId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AppUser>().WithMany().HasForeignKey(r => r.DecidedById).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(r => r.Items).WithOne().HasForeignKey(i => i.AccessRequestId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.Status, r.CreatedUtc });
    }
}

public class AccessRequestItemConfiguration : IEntityTypeConfiguration<AccessRequestItem>
{
    public void Configure(EntityTypeBuilder<AccessRequestItem> b)
    {
        b.ToTable("AccessRequestItems");
        b.HasOne(i => i.EntitlementValue).WithMany().HasForeignKey(i => i.EntitlementValueId).OnDelete(DeleteBehavior.SetNull);
    }
}
