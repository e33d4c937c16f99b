using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AdminPortal.Data.Migrations;

/// <summary>
/// Index-only (issue [6/7]): the reviewer grid filters one endpoint's accounts by status and by the column the package
/// maps the target's own status to (customproperty11 in the shipped packages' statusAndThresholdConfig), sorts by name
/// and shows a count. With this index both the COUNT and the page are range scans of one index, in name order, instead
/// of a scan of every account of the endpoint. Mirrored in AccountConfiguration.
/// </summary>
[DbContext(typeof(AdminPortalDbContext))]
[Migration("20261202170000_ReviewerGridIndexes")]
public class ReviewerGridIndexes : Migration
{
    protected override void Up(MigrationBuilder m)
    {
        m.CreateIndex("IX_Accounts_EndpointId_Status_CustomProperty11_Name", "Accounts", ["EndpointId", "Status", "CustomProperty11", "Name"]);
    }

    protected override void Down(MigrationBuilder m)
    {
        m.DropIndex("IX_Accounts_EndpointId_Status_CustomProperty11_Name", "Accounts");
    }
}
