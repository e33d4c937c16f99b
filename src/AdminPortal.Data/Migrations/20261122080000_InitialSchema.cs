using AdminPortal.Core.Domain;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;

namespace AdminPortal.Data.Migrations;

/// <summary>The whole domain model. Hand-written (no dotnet-ef here); guarded by the schema test.</summary>
[DbContext(typeof(AdminPortalDbContext))]
[Migration("20261122080000_InitialSchema")]
public class InitialSchema : Migration
{
    private const string AutoIncrement = "Sqlite:Autoincrement";

    protected override void Up(MigrationBuilder m)
    {
        m.CreateTable("Users", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Username = t.Column<string>(nullable: false),
            FirstName = t.Column<string>(nullable: true),
            LastName = t.Column<string>(nullable: true),
            Email = t.Column<string>(nullable: true),
            ManagerId = t.Column<int>(nullable: true),
            Status = t.Column<int>(nullable: false),
            PasswordHash = t.Column<string>(nullable: true),
            FailedSignInCount = t.Column<int>(nullable: false),
            LockedUntilUtc = t.Column<DateTime>(nullable: true),
            LastSignInUtc = t.Column<DateTime>(nullable: true),
            IsDemo = t.Column<bool>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_Users", x => x.Id);
            c.ForeignKey("FK_Users_Users_ManagerId", x => x.ManagerId, "Users", "Id", onDelete: ReferentialAction.Restrict);
        });
        AddCustomProperties(m, "Users", AppUser.CustomPropertyCount);
        m.CreateIndex("IX_Users_Username", "Users", "Username", unique: true);
        m.CreateIndex("IX_Users_Email", "Users", "Email");
        m.CreateIndex("IX_Users_ManagerId", "Users", "ManagerId");

        m.CreateTable("UserRoles", t => new
        {
            UserId = t.Column<int>(nullable: false),
            Role = t.Column<string>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_UserRoles", x => new { x.UserId, x.Role });
            c.ForeignKey("FK_UserRoles_Users_UserId", x => x.UserId, "Users", "Id", onDelete: ReferentialAction.Cascade);
        });

        m.CreateTable("ApiTokens", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            UserId = t.Column<int>(nullable: false),
            Name = t.Column<string>(nullable: false),
            TokenHash = t.Column<string>(nullable: false),
            Prefix = t.Column<string>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            ExpiresUtc = t.Column<DateTime>(nullable: true),
            RevokedUtc = t.Column<DateTime>(nullable: true),
            LastUsedUtc = t.Column<DateTime>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_ApiTokens", x => x.Id);
            c.ForeignKey("FK_ApiTokens_Users_UserId", x => x.UserId, "Users", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_ApiTokens_TokenHash", "ApiTokens", "TokenHash", unique: true);
        m.CreateIndex("IX_ApiTokens_UserId", "ApiTokens", "UserId");

        m.CreateTable("AuditEvents", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            Utc = t.Column<DateTime>(nullable: false),
            Actor = t.Column<string>(nullable: false),
            Action = t.Column<string>(nullable: false),
            TargetKind = t.Column<string>(nullable: true),
            TargetName = t.Column<string>(nullable: true),
            Details = t.Column<string>(nullable: true),
        }, constraints: c => c.PrimaryKey("PK_AuditEvents", x => x.Id));
        m.CreateIndex("IX_AuditEvents_Utc", "AuditEvents", "Utc");
        m.CreateIndex("IX_AuditEvents_TargetKind_TargetName", "AuditEvents", ["TargetKind", "TargetName"]);

        m.CreateTable("GlobalSettings", t => new
        {
            Key = t.Column<string>(nullable: false),
            Value = t.Column<string>(nullable: true),
        }, constraints: c => c.PrimaryKey("PK_GlobalSettings", x => x.Key));

        m.CreateTable("EmailOutbox", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            To = t.Column<string>(nullable: false),
            Subject = t.Column<string>(nullable: false),
            Body = t.Column<string>(nullable: true),
            Event = t.Column<string>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            SentUtc = t.Column<DateTime>(nullable: true),
            Error = t.Column<string>(nullable: true),
        }, constraints: c => c.PrimaryKey("PK_EmailOutbox", x => x.Id));
        m.CreateIndex("IX_EmailOutbox_CreatedUtc", "EmailOutbox", "CreatedUtc");

        m.CreateTable("EmailTemplates", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Name = t.Column<string>(nullable: false),
            Subject = t.Column<string>(nullable: true),
            Body = t.Column<string>(nullable: true),
            To = t.Column<string>(nullable: true),
            Cc = t.Column<string>(nullable: true),
            Bcc = t.Column<string>(nullable: true),
            From = t.Column<string>(nullable: true),
            IsHtml = t.Column<bool>(nullable: false),
        }, constraints: c => c.PrimaryKey("PK_EmailTemplates", x => x.Id));
        m.CreateIndex("IX_EmailTemplates_Name", "EmailTemplates", "Name", unique: true);

        m.CreateTable("TransportImports", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            Utc = t.Column<DateTime>(nullable: false),
            Actor = t.Column<string>(nullable: false),
            FileName = t.Column<string>(nullable: false),
            Sha256 = t.Column<string>(nullable: false),
            Status = t.Column<int>(nullable: false),
            Channel = t.Column<string>(nullable: false),
            Error = t.Column<string>(nullable: true),
            OutcomeJson = t.Column<string>(nullable: true),
        }, constraints: c => c.PrimaryKey("PK_TransportImports", x => x.Id));
        m.CreateIndex("IX_TransportImports_Utc", "TransportImports", "Utc");

        m.CreateTable("TransportObjectVersions", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            TransportImportId = t.Column<long>(nullable: false),
            Kind = t.Column<string>(nullable: false),
            Name = t.Column<string>(nullable: false),
            SnapshotJson = t.Column<string>(nullable: false),
            RestoredUtc = t.Column<DateTime>(nullable: true),
            RestoredBy = t.Column<string>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_TransportObjectVersions", x => x.Id);
            c.ForeignKey("FK_TransportObjectVersions_TransportImports_TransportImportId", x => x.TransportImportId, "TransportImports", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_TransportObjectVersions_TransportImportId", "TransportObjectVersions", "TransportImportId");

        m.CreateTable("Connections", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Name = t.Column<string>(nullable: false),
            Description = t.Column<string>(nullable: true),
            ConnectionType = t.Column<string>(nullable: false),
            DefaultSavRole = t.Column<string>(nullable: true),
            EmailTemplate = t.Column<string>(nullable: true),
            BaseUrl = t.Column<string>(nullable: true),
            UrlRewritesJson = t.Column<string>(nullable: true),
            PackageFieldsJson = t.Column<string>(nullable: true),
            ConnectionJsonNeedsEntry = t.Column<bool>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c => c.PrimaryKey("PK_Connections", x => x.Id));
        m.CreateIndex("IX_Connections_Name", "Connections", "Name", unique: true);

        m.CreateTable("ConnectionAttributes", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            ConnectionId = t.Column<int>(nullable: false),
            Name = t.Column<string>(nullable: false),
            Value = t.Column<string>(nullable: true),
            IsEncrypted = t.Column<bool>(nullable: false),
            FormData = t.Column<string>(nullable: true),
            CredentialSaveStatus = t.Column<string>(nullable: true),
            SortOrder = t.Column<int>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_ConnectionAttributes", x => x.Id);
            c.ForeignKey("FK_ConnectionAttributes_Connections_ConnectionId", x => x.ConnectionId, "Connections", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_ConnectionAttributes_ConnectionId_Name", "ConnectionAttributes", ["ConnectionId", "Name"], unique: true);

        m.CreateTable("ConnectionAttributeVersions", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            ConnectionId = t.Column<int>(nullable: false),
            AttributeName = t.Column<string>(nullable: false),
            Value = t.Column<string>(nullable: true),
            IsEncrypted = t.Column<bool>(nullable: false),
            SavedUtc = t.Column<DateTime>(nullable: false),
            SavedBy = t.Column<string>(nullable: true),
            Source = t.Column<string>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_ConnectionAttributeVersions", x => x.Id);
            c.ForeignKey("FK_ConnectionAttributeVersions_Connections_ConnectionId", x => x.ConnectionId, "Connections", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_ConnectionAttributeVersions_ConnectionId_AttributeName_SavedUtc", "ConnectionAttributeVersions", ["ConnectionId", "AttributeName", "SavedUtc"]);

        m.CreateTable("SecuritySystems", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Name = t.Column<string>(nullable: false),
            DisplayName = t.Column<string>(nullable: true),
            Description = t.Column<string>(nullable: true),
            ImportConnectionId = t.Column<int>(nullable: true),
            ProvisioningConnectionId = t.Column<int>(nullable: true),
            InstantProvisioning = t.Column<bool>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_SecuritySystems", x => x.Id);
            c.ForeignKey("FK_SecuritySystems_Connections_ImportConnectionId", x => x.ImportConnectionId, "Connections", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_SecuritySystems_Connections_ProvisioningConnectionId", x => x.ProvisioningConnectionId, "Connections", "Id", onDelete: ReferentialAction.Restrict);
        });
        m.CreateIndex("IX_SecuritySystems_Name", "SecuritySystems", "Name", unique: true);
        m.CreateIndex("IX_SecuritySystems_ImportConnectionId", "SecuritySystems", "ImportConnectionId");
        m.CreateIndex("IX_SecuritySystems_ProvisioningConnectionId", "SecuritySystems", "ProvisioningConnectionId");

        m.CreateTable("Endpoints", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Name = t.Column<string>(nullable: false),
            DisplayName = t.Column<string>(nullable: true),
            Description = t.Column<string>(nullable: true),
            SecuritySystemId = t.Column<int>(nullable: false),
            OwnerUserId = t.Column<int>(nullable: true),
            AccountNameRule = t.Column<string>(nullable: true),
            CorrelationRule = t.Column<string>(nullable: true),
            ApproverMode = t.Column<int>(nullable: false),
            ApproverUsernames = t.Column<string>(nullable: true),
            RequestAttributesJson = t.Column<string>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_Endpoints", x => x.Id);
            c.ForeignKey("FK_Endpoints_SecuritySystems_SecuritySystemId", x => x.SecuritySystemId, "SecuritySystems", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_Endpoints_Users_OwnerUserId", x => x.OwnerUserId, "Users", "Id", onDelete: ReferentialAction.SetNull);
        });
        m.CreateIndex("IX_Endpoints_Name", "Endpoints", "Name", unique: true);
        m.CreateIndex("IX_Endpoints_OwnerUserId", "Endpoints", "OwnerUserId");
        m.CreateIndex("IX_Endpoints_SecuritySystemId", "Endpoints", "SecuritySystemId");

        m.CreateTable("EntitlementTypes", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            EndpointId = t.Column<int>(nullable: false),
            Name = t.Column<string>(nullable: false),
            DisplayName = t.Column<string>(nullable: true),
            DisplayOrder = t.Column<int>(nullable: false),
            CustomPropertyLabelsJson = t.Column<string>(nullable: true),
            Requestable = t.Column<bool>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_EntitlementTypes", x => x.Id);
            c.ForeignKey("FK_EntitlementTypes_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_EntitlementTypes_EndpointId_Name", "EntitlementTypes", ["EndpointId", "Name"], unique: true);

        m.CreateTable("EntitlementValues", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            EntitlementTypeId = t.Column<int>(nullable: false),
            EndpointId = t.Column<int>(nullable: false),
            EntitlementId = t.Column<string>(nullable: false),
            Value = t.Column<string>(nullable: false),
            DisplayName = t.Column<string>(nullable: true),
            Description = t.Column<string>(nullable: true),
            Status = t.Column<int>(nullable: false),
            ContentHash = t.Column<string>(nullable: true),
            LastSeenRunId = t.Column<long>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_EntitlementValues", x => x.Id);
            c.ForeignKey("FK_EntitlementValues_EntitlementTypes_EntitlementTypeId", x => x.EntitlementTypeId, "EntitlementTypes", "Id", onDelete: ReferentialAction.Cascade);
        });
        AddCustomProperties(m, "EntitlementValues", EntitlementValue.CustomPropertyCount);
        m.CreateIndex("IX_EntitlementValues_EntitlementTypeId_EntitlementId", "EntitlementValues", ["EntitlementTypeId", "EntitlementId"], unique: true);
        m.CreateIndex("IX_EntitlementValues_EndpointId_Status_Value", "EntitlementValues", ["EndpointId", "Status", "Value"]);
        m.CreateIndex("IX_EntitlementValues_EntitlementTypeId_Value", "EntitlementValues", ["EntitlementTypeId", "Value"]);

        m.CreateTable("Accounts", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            EndpointId = t.Column<int>(nullable: false),
            AccountId = t.Column<string>(nullable: false),
            Name = t.Column<string>(nullable: false),
            DisplayName = t.Column<string>(nullable: true),
            Description = t.Column<string>(nullable: true),
            AccountType = t.Column<string>(nullable: true),
            Status = t.Column<int>(nullable: false),
            OwnerUserId = t.Column<int>(nullable: true),
            LastLogonUtc = t.Column<DateTime>(nullable: true),
            ContentHash = t.Column<string>(nullable: true),
            LastSeenRunId = t.Column<long>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
            ExtraPropertiesJson = t.Column<string>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_Accounts", x => x.Id);
            c.ForeignKey("FK_Accounts_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Cascade);
            c.ForeignKey("FK_Accounts_Users_OwnerUserId", x => x.OwnerUserId, "Users", "Id", onDelete: ReferentialAction.SetNull);
        });
        AddCustomProperties(m, "Accounts", Account.CustomPropertyCount);
        m.CreateIndex("IX_Accounts_EndpointId_AccountId", "Accounts", ["EndpointId", "AccountId"], unique: true);
        m.CreateIndex("IX_Accounts_EndpointId_Status_Name", "Accounts", ["EndpointId", "Status", "Name"]);
        m.CreateIndex("IX_Accounts_EndpointId_Name", "Accounts", ["EndpointId", "Name"]);
        m.CreateIndex("IX_Accounts_OwnerUserId", "Accounts", "OwnerUserId");

        m.CreateTable("AccountEntitlements", t => new
        {
            AccountId = t.Column<long>(nullable: false),
            EntitlementValueId = t.Column<long>(nullable: false),
            Status = t.Column<int>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_AccountEntitlements", x => new { x.AccountId, x.EntitlementValueId });
            c.ForeignKey("FK_AccountEntitlements_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            c.ForeignKey("FK_AccountEntitlements_EntitlementValues_EntitlementValueId", x => x.EntitlementValueId, "EntitlementValues", "Id", onDelete: ReferentialAction.Restrict);
        });
        m.CreateIndex("IX_AccountEntitlements_EntitlementValueId", "AccountEntitlements", "EntitlementValueId");

        m.CreateTable("Jobs", t => new
        {
            Id = t.Column<int>(nullable: false).Annotation(AutoIncrement, true),
            Name = t.Column<string>(nullable: false),
            Kind = t.Column<int>(nullable: false),
            EndpointId = t.Column<int>(nullable: true),
            Mode = t.Column<string>(nullable: false),
            CronExpression = t.Column<string>(nullable: true),
            Enabled = t.Column<bool>(nullable: false),
            CreatedUtc = t.Column<DateTime>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_Jobs", x => x.Id);
            c.ForeignKey("FK_Jobs_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_Jobs_Name", "Jobs", "Name", unique: true);
        m.CreateIndex("IX_Jobs_EndpointId", "Jobs", "EndpointId");

        m.CreateTable("JobRuns", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            JobId = t.Column<int>(nullable: true),
            Kind = t.Column<int>(nullable: false),
            EndpointId = t.Column<int>(nullable: true),
            Mode = t.Column<string>(nullable: false),
            IsPreview = t.Column<bool>(nullable: false),
            Status = t.Column<int>(nullable: false),
            Trigger = t.Column<string>(nullable: false),
            RequestedBy = t.Column<string>(nullable: true),
            QueuedUtc = t.Column<DateTime>(nullable: false),
            StartedUtc = t.Column<DateTime>(nullable: true),
            FinishedUtc = t.Column<DateTime>(nullable: true),
            HeartbeatUtc = t.Column<DateTime>(nullable: true),
            Phase = t.Column<string>(nullable: true),
            Pages = t.Column<int>(nullable: false),
            Read = t.Column<long>(nullable: false),
            Added = t.Column<long>(nullable: false),
            Changed = t.Column<long>(nullable: false),
            Unchanged = t.Column<long>(nullable: false),
            Suspended = t.Column<long>(nullable: false),
            Inactivated = t.Column<long>(nullable: false),
            Failed = t.Column<long>(nullable: false),
            Error = t.Column<string>(nullable: true),
            Log = t.Column<string>(nullable: true),
            PlanJson = t.Column<string>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_JobRuns", x => x.Id);
            c.ForeignKey("FK_JobRuns_Jobs_JobId", x => x.JobId, "Jobs", "Id", onDelete: ReferentialAction.SetNull);
        });
        m.CreateIndex("IX_JobRuns_EndpointId_QueuedUtc", "JobRuns", ["EndpointId", "QueuedUtc"]);
        m.CreateIndex("IX_JobRuns_JobId", "JobRuns", "JobId");
        m.CreateIndex("IX_JobRuns_Status", "JobRuns", "Status");

        m.CreateTable("HttpExchanges", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            JobRunId = t.Column<long>(nullable: true),
            TaskId = t.Column<long>(nullable: true),
            Sequence = t.Column<int>(nullable: false),
            StartedUtc = t.Column<DateTime>(nullable: false),
            DurationMs = t.Column<int>(nullable: false),
            Method = t.Column<string>(nullable: false),
            Url = t.Column<string>(nullable: false),
            OriginalUrl = t.Column<string>(nullable: true),
            RequestHeaders = t.Column<string>(nullable: true),
            RequestBody = t.Column<string>(nullable: true),
            StatusCode = t.Column<int>(nullable: true),
            ResponseHeaders = t.Column<string>(nullable: true),
            ResponseBody = t.Column<string>(nullable: true),
            Error = t.Column<string>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_HttpExchanges", x => x.Id);
            c.ForeignKey("FK_HttpExchanges_JobRuns_JobRunId", x => x.JobRunId, "JobRuns", "Id", onDelete: ReferentialAction.Cascade);
        });
        m.CreateIndex("IX_HttpExchanges_JobRunId_Sequence", "HttpExchanges", ["JobRunId", "Sequence"]);
        m.CreateIndex("IX_HttpExchanges_TaskId", "HttpExchanges", "TaskId");

        m.CreateTable("AccessRequests", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            RequesterId = t.Column<int>(nullable: false),
            BeneficiaryId = t.Column<int>(nullable: false),
            EndpointId = t.Column<int>(nullable: false),
            Kind = t.Column<int>(nullable: false),
            Status = t.Column<int>(nullable: false),
            BusinessJustification = t.Column<string>(nullable: true),
            AttributesJson = t.Column<string>(nullable: true),
            DecidedById = t.Column<int>(nullable: true),
            DecisionComment = t.Column<string>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            DecidedUtc = t.Column<DateTime>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_AccessRequests", x => x.Id);
            c.ForeignKey("FK_AccessRequests_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_AccessRequests_Users_BeneficiaryId", x => x.BeneficiaryId, "Users", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_AccessRequests_Users_DecidedById", x => x.DecidedById, "Users", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_AccessRequests_Users_RequesterId", x => x.RequesterId, "Users", "Id", onDelete: ReferentialAction.Restrict);
        });
        m.CreateIndex("IX_AccessRequests_BeneficiaryId", "AccessRequests", "BeneficiaryId");
        m.CreateIndex("IX_AccessRequests_DecidedById", "AccessRequests", "DecidedById");
        m.CreateIndex("IX_AccessRequests_EndpointId", "AccessRequests", "EndpointId");
        m.CreateIndex("IX_AccessRequests_RequesterId", "AccessRequests", "RequesterId");
        m.CreateIndex("IX_AccessRequests_Status_CreatedUtc", "AccessRequests", ["Status", "CreatedUtc"]);

        m.CreateTable("AccessRequestItems", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            AccessRequestId = t.Column<long>(nullable: false),
            EntitlementValueId = t.Column<long>(nullable: true),
            Action = t.Column<string>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_AccessRequestItems", x => x.Id);
            c.ForeignKey("FK_AccessRequestItems_AccessRequests_AccessRequestId", x => x.AccessRequestId, "AccessRequests", "Id", onDelete: ReferentialAction.Cascade);
            c.ForeignKey("FK_AccessRequestItems_EntitlementValues_EntitlementValueId", x => x.EntitlementValueId, "EntitlementValues", "Id", onDelete: ReferentialAction.SetNull);
        });
        m.CreateIndex("IX_AccessRequestItems_AccessRequestId", "AccessRequestItems", "AccessRequestId");
        m.CreateIndex("IX_AccessRequestItems_EntitlementValueId", "AccessRequestItems", "EntitlementValueId");

        m.CreateTable("ProvisioningTasks", t => new
        {
            Id = t.Column<long>(nullable: false).Annotation(AutoIncrement, true),
            Type = t.Column<int>(nullable: false),
            Status = t.Column<int>(nullable: false),
            EndpointId = t.Column<int>(nullable: false),
            AccountId = t.Column<long>(nullable: true),
            UserId = t.Column<int>(nullable: true),
            EntitlementValueId = t.Column<long>(nullable: true),
            AccessRequestId = t.Column<long>(nullable: true),
            Attempts = t.Column<int>(nullable: false),
            NextAttemptUtc = t.Column<DateTime>(nullable: true),
            IntentRecordedUtc = t.Column<DateTime>(nullable: true),
            LastError = t.Column<string>(nullable: true),
            ErrorSignature = t.Column<string>(nullable: true),
            PayloadJson = t.Column<string>(nullable: true),
            Comment = t.Column<string>(nullable: true),
            CompletedBy = t.Column<string>(nullable: true),
            CreatedUtc = t.Column<DateTime>(nullable: false),
            UpdatedUtc = t.Column<DateTime>(nullable: false),
            CompletedUtc = t.Column<DateTime>(nullable: true),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_ProvisioningTasks", x => x.Id);
            c.ForeignKey("FK_ProvisioningTasks_AccessRequests_AccessRequestId", x => x.AccessRequestId, "AccessRequests", "Id", onDelete: ReferentialAction.SetNull);
            c.ForeignKey("FK_ProvisioningTasks_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.SetNull);
            c.ForeignKey("FK_ProvisioningTasks_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Restrict);
            c.ForeignKey("FK_ProvisioningTasks_EntitlementValues_EntitlementValueId", x => x.EntitlementValueId, "EntitlementValues", "Id", onDelete: ReferentialAction.SetNull);
            c.ForeignKey("FK_ProvisioningTasks_Users_UserId", x => x.UserId, "Users", "Id", onDelete: ReferentialAction.SetNull);
        });
        m.CreateIndex("IX_ProvisioningTasks_AccessRequestId", "ProvisioningTasks", "AccessRequestId");
        m.CreateIndex("IX_ProvisioningTasks_AccountId", "ProvisioningTasks", "AccountId");
        m.CreateIndex("IX_ProvisioningTasks_EndpointId_Status", "ProvisioningTasks", ["EndpointId", "Status"]);
        m.CreateIndex("IX_ProvisioningTasks_EntitlementValueId", "ProvisioningTasks", "EntitlementValueId");
        m.CreateIndex("IX_ProvisioningTasks_Status_NextAttemptUtc", "ProvisioningTasks", ["Status", "NextAttemptUtc"]);
        m.CreateIndex("IX_ProvisioningTasks_UserId", "ProvisioningTasks", "UserId");
    }

    /// <summary>customproperty1…n columns, declared in a loop instead of n hand-typed lines.</summary>
    private static void AddCustomProperties(MigrationBuilder m, string table, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            m.AddColumn<string>($"CustomProperty{i}", table, nullable: true);
        }
    }

    protected override void Down(MigrationBuilder m)
    {
        foreach (var table in new[]
                 {
                     "ProvisioningTasks", "AccessRequestItems", "AccessRequests", "HttpExchanges", "JobRuns", "Jobs",
                     "AccountEntitlements", "Accounts", "EntitlementValues", "EntitlementTypes", "Endpoints",
                     "SecuritySystems", "ConnectionAttributeVersions", "ConnectionAttributes", "Connections",
                     "TransportObjectVersions", "TransportImports", "EmailTemplates", "EmailOutbox", "GlobalSettings",
                     "AuditEvents", "ApiTokens", "UserRoles", "Users",
                 })
        {
            m.DropTable(table);
        }
    }
}
