using AdminPortal.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

namespace AdminPortal.Data.Configurations;

public class ConnectionConfiguration : IEntityTypeConfiguration<Connection>
{
    public void Configure(EntityTypeBuilder<Connection> b)
    {
        b.ToTable("Connections");
        b.HasIndex(c => c.Name).IsUnique();
        b.HasMany(c => c.Attributes).WithOne().HasForeignKey(a => a.ConnectionId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class ConnectionAttributeConfiguration : IEntityTypeConfiguration<ConnectionAttribute>
{
    public void Configure(EntityTypeBuilder<ConnectionAttribute> b)
    {
        b.ToTable("ConnectionAttributes");
        b.HasIndex(a => new { a.ConnectionId, a.Name }).IsUnique();
    }
}

public class ConnectionAttributeVersionConfiguration : IEntityTypeConfiguration<ConnectionAttributeVersion>
{
    public void Configure(EntityTypeBuilder<ConnectionAttributeVersion> b)
    {
        b.ToTable("ConnectionAttributeVersions");
        b.HasIndex(v => new { v.ConnectionId, v.AttributeName, v.SavedUtc });
        b.HasOne<Connection>().WithMany().HasForeignKey(v => v.ConnectionId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class SecuritySystemConfiguration : IEntityTypeConfiguration<SecuritySystem>
{
    public void Configure(EntityTypeBuilder<SecuritySystem> b)
    {
        b.ToTable("SecuritySystems");
        b.HasIndex(s => s.Name).IsUnique();
        // Restrict: a connection cannot be deleted while a security system uses it.
        b.HasOne(s => s.ImportConnection).WithMany().HasForeignKey(s => s.ImportConnectionId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(s => s.ProvisioningConnection).WithMany().HasForeignKey(s => s.ProvisioningConnectionId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(s => s.Endpoints).WithOne(e => e.SecuritySystem).HasForeignKey(e => e.SecuritySystemId).OnDelete(DeleteBehavior.Restrict);
    }
}

public class EndpointConfiguration : IEntityTypeConfiguration<Endpoint>
{
    public void Configure(EntityTypeBuilder<Endpoint> b)
    {
        b.ToTable("Endpoints");
        b.HasIndex(e => e.Name).IsUnique();
        b.HasOne(e => e.Owner).WithMany().HasForeignKey(e => e.OwnerUserId).OnDelete(DeleteBehavior.SetNull);
        b.HasMany(e => e.EntitlementTypes).WithOne(t => t.Endpoint).HasForeignKey(t => t.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}

public class EntitlementTypeConfiguration : IEntityTypeConfiguration<EntitlementType>
{
    public void Configure(EntityTypeBuilder<EntitlementType> b)
    {
        b.ToTable("EntitlementTypes");
        b.HasIndex(t => new { t.EndpointId, t.Name }).IsUnique();
    }
}
