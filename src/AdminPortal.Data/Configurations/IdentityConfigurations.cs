using AdminPortal.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AdminPortal.Data.Configurations;

public class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> b)
    {
        b.ToTable("Users");
        b.HasIndex(u => u.Username).IsUnique();
        b.HasIndex(u => u.Email);
        b.HasIndex(u => u.ManagerId);
        b.HasOne(u => u.Manager).WithMany().HasForeignKey(u => u.ManagerId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(u => u.Roles).WithOne().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(u => u.DisplayName);
    }
}

public class UserRoleConfiguration : IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<UserRole> b)
    {
        b.ToTable("UserRoles");
        b.HasKey(r => new { r.UserId, r.Role });
    }
}

public class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.ToTable("ApiTokens");
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.ToTable("AuditEvents");
        b.HasIndex(e => e.Utc);
        b.HasIndex(e => new { e.TargetKind, e.TargetName });
    }
}

public class GlobalSettingConfiguration : IEntityTypeConfiguration<GlobalSetting>
{
    public void Configure(EntityTypeBuilder<GlobalSetting> b)
    {
        b.ToTable("GlobalSettings");
        b.HasKey(s => s.Key);
    }
}

public class EmailOutboxConfiguration : IEntityTypeConfiguration<EmailOutboxMessage>
{
    public void Configure(EntityTypeBuilder<EmailOutboxMessage> b)
    {
        b.ToTable("EmailOutbox");
        b.HasIndex(m => m.CreatedUtc);
    }
}

public class EmailTemplateConfiguration : IEntityTypeConfiguration<EmailTemplate>
{
    public void Configure(EntityTypeBuilder<EmailTemplate> b)
    {
        b.ToTable("EmailTemplates");
        b.HasIndex(t => t.Name).IsUnique();
    }
}

public class TransportImportConfiguration : IEntityTypeConfiguration<TransportImport>
{
    public void Configure(EntityTypeBuilder<TransportImport> b)
    {
        b.ToTable("TransportImports");
        b.HasIndex(t => t.Utc);
        b.HasMany(t => t.PreviousVersions).WithOne().HasForeignKey(v => v.TransportImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class TransportObjectVersionConfiguration : IEntityTypeConfiguration<TransportObjectVersion>
{
    public void Configure(EntityTypeBuilder<TransportObjectVersion> b)
    {
        b.ToTable("TransportObjectVersions");
    }
}
