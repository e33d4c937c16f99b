-- AdminPortal schema, written by SchemaTests from the migrated database. Do not edit.

TABLE AccessRequestItems
  AccessRequestId INTEGER NOT NULL
  Action TEXT NOT NULL
  EntitlementValueId INTEGER
  Id INTEGER NOT NULL PK1
  (autoincrement)
  INDEX IX_AccessRequestItems_AccessRequestId (AccessRequestId)
  INDEX IX_AccessRequestItems_EntitlementValueId (EntitlementValueId)
  FK AccessRequestId -> AccessRequests.Id ON DELETE CASCADE
  FK EntitlementValueId -> EntitlementValues.Id ON DELETE SET NULL

TABLE AccessRequests
  AttributesJson TEXT
  BeneficiaryId INTEGER NOT NULL
  BusinessJustification TEXT
  CreatedUtc TEXT NOT NULL
  DecidedById INTEGER
  DecidedUtc TEXT
  DecisionComment TEXT
  EndpointId INTEGER NOT NULL
  Id INTEGER NOT NULL PK1
  Kind INTEGER NOT NULL
  RequesterId INTEGER NOT NULL
  Status INTEGER NOT NULL
  (autoincrement)
  INDEX IX_AccessRequests_BeneficiaryId (BeneficiaryId)
  INDEX IX_AccessRequests_DecidedById (DecidedById)
  INDEX IX_AccessRequests_EndpointId (EndpointId)
  INDEX IX_AccessRequests_RequesterId (RequesterId)
  INDEX IX_AccessRequests_Status_CreatedUtc (Status, CreatedUtc)
  FK BeneficiaryId -> Users.Id ON DELETE RESTRICT
  FK DecidedById -> Users.Id ON DELETE RESTRICT
  FK EndpointId -> Endpoints.Id ON DELETE RESTRICT
  FK RequesterId -> Users.Id ON DELETE RESTRICT

TABLE AccountCounts
  Count INTEGER NOT NULL
  EndpointId INTEGER NOT NULL PK1
  Status INTEGER NOT NULL PK2
  FK EndpointId -> Endpoints.Id ON DELETE CASCADE

TABLE AccountEntitlements
  AccountId INTEGER NOT NULL PK1
  CreatedUtc TEXT NOT NULL
  EntitlementValueId INTEGER NOT NULL PK2
  Status INTEGER NOT NULL
  INDEX IX_AccountEntitlements_EntitlementValueId (EntitlementValueId)
  FK AccountId -> Accounts.Id ON DELETE CASCADE
  FK EntitlementValueId -> EntitlementValues.Id ON DELETE RESTRICT

TABLE Accounts
  AccountId TEXT NOT NULL
  AccountType TEXT
  ContentHash TEXT
  CreatedUtc TEXT NOT NULL
  CustomProperty1 TEXT
  CustomProperty10 TEXT
  CustomProperty11 TEXT
  CustomProperty12 TEXT
  CustomProperty13 TEXT
  CustomProperty14 TEXT
  CustomProperty15 TEXT
  CustomProperty16 TEXT
  CustomProperty17 TEXT
  CustomProperty18 TEXT
  CustomProperty19 TEXT
  CustomProperty2 TEXT
  CustomProperty20 TEXT
  CustomProperty21 TEXT
  CustomProperty22 TEXT
  CustomProperty23 TEXT
  CustomProperty24 TEXT
  CustomProperty25 TEXT
  CustomProperty26 TEXT
  CustomProperty27 TEXT
  CustomProperty28 TEXT
  CustomProperty29 TEXT
  CustomProperty3 TEXT
  CustomProperty30 TEXT
  CustomProperty31 TEXT
  CustomProperty32 TEXT
  CustomProperty33 TEXT
  CustomProperty34 TEXT
  CustomProperty35 TEXT
  CustomProperty36 TEXT
  CustomProperty37 TEXT
  CustomProperty38 TEXT
  CustomProperty39 TEXT
  CustomProperty4 TEXT
  CustomProperty40 TEXT
  CustomProperty41 TEXT
  CustomProperty42 TEXT
  CustomProperty43 TEXT
  CustomProperty44 TEXT
  CustomProperty45 TEXT
  CustomProperty5 TEXT
  CustomProperty6 TEXT
  CustomProperty7 TEXT
  CustomProperty8 TEXT
  CustomProperty9 TEXT
  Description TEXT
  DisplayName TEXT
  EndpointId INTEGER NOT NULL
  ExtraPropertiesJson TEXT
  Id INTEGER NOT NULL PK1
  LastLogonUtc TEXT
  LastSeenRunId INTEGER
  Name TEXT NOT NULL
  OwnerUserId INTEGER
  SearchAccountId GENERATED VIRTUAL
  SearchDisplayName GENERATED VIRTUAL
  SearchName GENERATED VIRTUAL
  Status INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  (autoincrement)
  INDEX IX_Accounts_EndpointId_AccountId UNIQUE (EndpointId, AccountId)
  INDEX IX_Accounts_EndpointId_Name (EndpointId, Name)
  INDEX IX_Accounts_EndpointId_SearchAccountId (EndpointId, SearchAccountId)
  INDEX IX_Accounts_EndpointId_SearchDisplayName (EndpointId, SearchDisplayName)
  INDEX IX_Accounts_EndpointId_SearchName (EndpointId, SearchName)
  INDEX IX_Accounts_EndpointId_Status_CustomProperty11_Name (EndpointId, Status, CustomProperty11, Name)
  INDEX IX_Accounts_EndpointId_Status_Name (EndpointId, Status, Name)
  INDEX IX_Accounts_OwnerUserId (OwnerUserId)
  FK EndpointId -> Endpoints.Id ON DELETE CASCADE
  FK OwnerUserId -> Users.Id ON DELETE SET NULL

TABLE ApiTokens
  CreatedUtc TEXT NOT NULL
  ExpiresUtc TEXT
  Id INTEGER NOT NULL PK1
  LastUsedUtc TEXT
  Name TEXT NOT NULL
  Prefix TEXT NOT NULL
  RevokedUtc TEXT
  TokenHash TEXT NOT NULL
  UserId INTEGER NOT NULL
  (autoincrement)
  INDEX IX_ApiTokens_TokenHash UNIQUE (TokenHash)
  INDEX IX_ApiTokens_UserId (UserId)
  FK UserId -> Users.Id ON DELETE CASCADE

TABLE AuditEvents
  Action TEXT NOT NULL
  Actor TEXT NOT NULL
  Details TEXT
  Id INTEGER NOT NULL PK1
  TargetKind TEXT
  TargetName TEXT
  Utc TEXT NOT NULL
  (autoincrement)
  INDEX IX_AuditEvents_TargetKind_TargetName (TargetKind, TargetName)
  INDEX IX_AuditEvents_Utc (Utc)

TABLE ConnectionAttributeVersions
  AttributeName TEXT NOT NULL
  ConnectionId INTEGER NOT NULL
  Id INTEGER NOT NULL PK1
  IsEncrypted INTEGER NOT NULL
  SavedBy TEXT
  SavedUtc TEXT NOT NULL
  Source TEXT NOT NULL
  Value TEXT
  (autoincrement)
  INDEX IX_ConnectionAttributeVersions_ConnectionId_AttributeName_SavedUtc (ConnectionId, AttributeName, SavedUtc)
  FK ConnectionId -> Connections.Id ON DELETE CASCADE

TABLE ConnectionAttributes
  ConnectionId INTEGER NOT NULL
  CredentialSaveStatus TEXT
  FormData TEXT
  Id INTEGER NOT NULL PK1
  IsEncrypted INTEGER NOT NULL
  Name TEXT NOT NULL
  SortOrder INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  Value TEXT
  (autoincrement)
  INDEX IX_ConnectionAttributes_ConnectionId_Name UNIQUE (ConnectionId, Name)
  FK ConnectionId -> Connections.Id ON DELETE CASCADE

TABLE Connections
  BaseUrl TEXT
  ConnectionJsonNeedsEntry INTEGER NOT NULL
  ConnectionType TEXT NOT NULL
  CreatedUtc TEXT NOT NULL
  DefaultSavRole TEXT
  Description TEXT
  EmailTemplate TEXT
  Id INTEGER NOT NULL PK1
  Name TEXT NOT NULL
  PackageFieldsJson TEXT
  UpdatedUtc TEXT NOT NULL
  UrlRewritesJson TEXT
  (autoincrement)
  INDEX IX_Connections_Name UNIQUE (Name)

TABLE EmailOutbox
  Body TEXT
  CreatedUtc TEXT NOT NULL
  Error TEXT
  Event TEXT
  Id INTEGER NOT NULL PK1
  SentUtc TEXT
  Subject TEXT NOT NULL
  To TEXT NOT NULL
  (autoincrement)
  INDEX IX_EmailOutbox_CreatedUtc (CreatedUtc)

TABLE EmailTemplates
  Bcc TEXT
  Body TEXT
  Cc TEXT
  From TEXT
  Id INTEGER NOT NULL PK1
  IsHtml INTEGER NOT NULL
  Name TEXT NOT NULL
  Subject TEXT
  To TEXT
  (autoincrement)
  INDEX IX_EmailTemplates_Name UNIQUE (Name)

TABLE Endpoints
  AccountNameRule TEXT
  ApproverMode INTEGER NOT NULL
  ApproverUsernames TEXT
  CorrelationRule TEXT
  CreatedUtc TEXT NOT NULL
  Description TEXT
  DisplayName TEXT
  Id INTEGER NOT NULL PK1
  Name TEXT NOT NULL
  OwnerUserId INTEGER
  RequestAttributesJson TEXT
  SecuritySystemId INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  (autoincrement)
  INDEX IX_Endpoints_Name UNIQUE (Name)
  INDEX IX_Endpoints_OwnerUserId (OwnerUserId)
  INDEX IX_Endpoints_SecuritySystemId (SecuritySystemId)
  FK OwnerUserId -> Users.Id ON DELETE SET NULL
  FK SecuritySystemId -> SecuritySystems.Id ON DELETE RESTRICT

TABLE EntitlementTypes
  CustomPropertyLabelsJson TEXT
  DisplayName TEXT
  DisplayOrder INTEGER NOT NULL
  EndpointId INTEGER NOT NULL
  Id INTEGER NOT NULL PK1
  Name TEXT NOT NULL
  Requestable INTEGER NOT NULL
  (autoincrement)
  INDEX IX_EntitlementTypes_EndpointId_Name UNIQUE (EndpointId, Name)
  FK EndpointId -> Endpoints.Id ON DELETE CASCADE

TABLE EntitlementValues
  ContentHash TEXT
  CreatedUtc TEXT NOT NULL
  CustomProperty1 TEXT
  CustomProperty10 TEXT
  CustomProperty11 TEXT
  CustomProperty12 TEXT
  CustomProperty13 TEXT
  CustomProperty14 TEXT
  CustomProperty15 TEXT
  CustomProperty16 TEXT
  CustomProperty17 TEXT
  CustomProperty18 TEXT
  CustomProperty19 TEXT
  CustomProperty2 TEXT
  CustomProperty20 TEXT
  CustomProperty3 TEXT
  CustomProperty4 TEXT
  CustomProperty5 TEXT
  CustomProperty6 TEXT
  CustomProperty7 TEXT
  CustomProperty8 TEXT
  CustomProperty9 TEXT
  Description TEXT
  DisplayName TEXT
  EndpointId INTEGER NOT NULL
  EntitlementId TEXT NOT NULL
  EntitlementTypeId INTEGER NOT NULL
  Id INTEGER NOT NULL PK1
  LastSeenRunId INTEGER
  Status INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  Value TEXT NOT NULL
  (autoincrement)
  INDEX IX_EntitlementValues_EndpointId_Status_Value (EndpointId, Status, Value)
  INDEX IX_EntitlementValues_EntitlementTypeId_EntitlementId UNIQUE (EntitlementTypeId, EntitlementId)
  INDEX IX_EntitlementValues_EntitlementTypeId_Value (EntitlementTypeId, Value)
  FK EntitlementTypeId -> EntitlementTypes.Id ON DELETE CASCADE

TABLE GlobalSettings
  Key TEXT NOT NULL PK1
  Value TEXT

TABLE HttpExchanges
  DurationMs INTEGER NOT NULL
  Error TEXT
  Id INTEGER NOT NULL PK1
  JobRunId INTEGER
  Method TEXT NOT NULL
  OriginalUrl TEXT
  RequestBody TEXT
  RequestHeaders TEXT
  ResponseBody TEXT
  ResponseHeaders TEXT
  Sequence INTEGER NOT NULL
  StartedUtc TEXT NOT NULL
  StatusCode INTEGER
  TaskId INTEGER
  Url TEXT NOT NULL
  (autoincrement)
  INDEX IX_HttpExchanges_JobRunId_Sequence (JobRunId, Sequence)
  INDEX IX_HttpExchanges_TaskId (TaskId)
  FK JobRunId -> JobRuns.Id ON DELETE CASCADE

TABLE JobRuns
  Added INTEGER NOT NULL
  Changed INTEGER NOT NULL
  EndpointId INTEGER
  Error TEXT
  Failed INTEGER NOT NULL
  FinishedUtc TEXT
  HeartbeatUtc TEXT
  Id INTEGER NOT NULL PK1
  Inactivated INTEGER NOT NULL
  IsPreview INTEGER NOT NULL
  JobId INTEGER
  Kind INTEGER NOT NULL
  Log TEXT
  Mode TEXT NOT NULL
  Pages INTEGER NOT NULL
  Phase TEXT
  PlanJson TEXT
  QueuedUtc TEXT NOT NULL
  Read INTEGER NOT NULL
  RequestedBy TEXT
  StartedUtc TEXT
  Status INTEGER NOT NULL
  Suspended INTEGER NOT NULL
  Trigger TEXT NOT NULL
  Unchanged INTEGER NOT NULL
  (autoincrement)
  INDEX IX_JobRuns_EndpointId_QueuedUtc (EndpointId, QueuedUtc)
  INDEX IX_JobRuns_JobId (JobId)
  INDEX IX_JobRuns_Status (Status)
  FK JobId -> Jobs.Id ON DELETE SET NULL

TABLE Jobs
  CreatedUtc TEXT NOT NULL
  CronExpression TEXT
  Enabled INTEGER NOT NULL
  EndpointId INTEGER
  Id INTEGER NOT NULL PK1
  Kind INTEGER NOT NULL
  Mode TEXT NOT NULL
  Name TEXT NOT NULL
  (autoincrement)
  INDEX IX_Jobs_EndpointId (EndpointId)
  INDEX IX_Jobs_Name UNIQUE (Name)
  FK EndpointId -> Endpoints.Id ON DELETE CASCADE

TABLE ProvisioningTasks
  AccessRequestId INTEGER
  AccountId INTEGER
  Attempts INTEGER NOT NULL
  Comment TEXT
  CompletedBy TEXT
  CompletedUtc TEXT
  CreatedUtc TEXT NOT NULL
  EndpointId INTEGER NOT NULL
  EntitlementValueId INTEGER
  ErrorSignature TEXT
  Id INTEGER NOT NULL PK1
  IntentRecordedUtc TEXT
  LastError TEXT
  NextAttemptUtc TEXT
  PayloadJson TEXT
  Status INTEGER NOT NULL
  Type INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  UserId INTEGER
  (autoincrement)
  INDEX IX_ProvisioningTasks_AccessRequestId (AccessRequestId)
  INDEX IX_ProvisioningTasks_AccountId (AccountId)
  INDEX IX_ProvisioningTasks_EndpointId_Status (EndpointId, Status)
  INDEX IX_ProvisioningTasks_EntitlementValueId (EntitlementValueId)
  INDEX IX_ProvisioningTasks_Status_NextAttemptUtc (Status, NextAttemptUtc)
  INDEX IX_ProvisioningTasks_UserId (UserId)
  FK AccessRequestId -> AccessRequests.Id ON DELETE SET NULL
  FK AccountId -> Accounts.Id ON DELETE SET NULL
  FK EndpointId -> Endpoints.Id ON DELETE RESTRICT
  FK EntitlementValueId -> EntitlementValues.Id ON DELETE SET NULL
  FK UserId -> Users.Id ON DELETE SET NULL

TABLE SecuritySystems
  CreatedUtc TEXT NOT NULL
  Description TEXT
  DisplayName TEXT
  Id INTEGER NOT NULL PK1
  ImportConnectionId INTEGER
  InstantProvisioning INTEGER NOT NULL
  Name TEXT NOT NULL
  ProvisioningConnectionId INTEGER
  UpdatedUtc TEXT NOT NULL
  (autoincrement)
  INDEX IX_SecuritySystems_ImportConnectionId (ImportConnectionId)
  INDEX IX_SecuritySystems_Name UNIQUE (Name)
  INDEX IX_SecuritySystems_ProvisioningConnectionId (ProvisioningConnectionId)
  FK ImportConnectionId -> Connections.Id ON DELETE RESTRICT
  FK ProvisioningConnectionId -> Connections.Id ON DELETE RESTRICT

TABLE TransportImports
  Actor TEXT NOT NULL
  Channel TEXT NOT NULL
  Error TEXT
  FileName TEXT NOT NULL
  Id INTEGER NOT NULL PK1
  OutcomeJson TEXT
  Sha256 TEXT NOT NULL
  Status INTEGER NOT NULL
  Utc TEXT NOT NULL
  (autoincrement)
  INDEX IX_TransportImports_Utc (Utc)

TABLE TransportObjectVersions
  Id INTEGER NOT NULL PK1
  Kind TEXT NOT NULL
  Name TEXT NOT NULL
  RestoredBy TEXT
  RestoredUtc TEXT
  SnapshotJson TEXT NOT NULL
  TransportImportId INTEGER NOT NULL
  (autoincrement)
  INDEX IX_TransportObjectVersions_TransportImportId (TransportImportId)
  FK TransportImportId -> TransportImports.Id ON DELETE CASCADE

TABLE UserRoles
  Role TEXT NOT NULL PK2
  UserId INTEGER NOT NULL PK1
  FK UserId -> Users.Id ON DELETE CASCADE

TABLE Users
  CreatedUtc TEXT NOT NULL
  CustomProperty1 TEXT
  CustomProperty10 TEXT
  CustomProperty11 TEXT
  CustomProperty12 TEXT
  CustomProperty13 TEXT
  CustomProperty14 TEXT
  CustomProperty15 TEXT
  CustomProperty16 TEXT
  CustomProperty17 TEXT
  CustomProperty18 TEXT
  CustomProperty19 TEXT
  CustomProperty2 TEXT
  CustomProperty20 TEXT
  CustomProperty3 TEXT
  CustomProperty4 TEXT
  CustomProperty5 TEXT
  CustomProperty6 TEXT
  CustomProperty7 TEXT
  CustomProperty8 TEXT
  CustomProperty9 TEXT
  Email TEXT
  FailedSignInCount INTEGER NOT NULL
  FirstName TEXT
  Id INTEGER NOT NULL PK1
  IsDemo INTEGER NOT NULL
  LastName TEXT
  LastSignInUtc TEXT
  LockedUntilUtc TEXT
  ManagerId INTEGER
  PasswordHash TEXT
  Status INTEGER NOT NULL
  UpdatedUtc TEXT NOT NULL
  Username TEXT NOT NULL
  (autoincrement)
  INDEX IX_Users_Email (Email)
  INDEX IX_Users_ManagerId (ManagerId)
  INDEX IX_Users_Username UNIQUE (Username)
  FK ManagerId -> Users.Id ON DELETE RESTRICT

TRIGGER TR_Accounts_Count_Delete
CREATE TRIGGER TR_Accounts_Count_Delete AFTER DELETE ON Accounts BEGIN UPDATE AccountCounts SET Count = Count - 1 WHERE EndpointId = old.EndpointId AND Status = old.Status; END

TRIGGER TR_Accounts_Count_Insert
CREATE TRIGGER TR_Accounts_Count_Insert AFTER INSERT ON Accounts BEGIN INSERT INTO AccountCounts (EndpointId, Status, Count) VALUES (new.EndpointId, new.Status, 1) ON CONFLICT (EndpointId, Status) DO UPDATE SET Count = Count + 1; END

TRIGGER TR_Accounts_Count_Update
CREATE TRIGGER TR_Accounts_Count_Update AFTER UPDATE OF EndpointId, Status ON Accounts WHEN old.EndpointId <> new.EndpointId OR old.Status <> new.Status BEGIN UPDATE AccountCounts SET Count = Count - 1 WHERE EndpointId = old.EndpointId AND Status = old.Status; INSERT INTO AccountCounts (EndpointId, Status, Count) VALUES (new.EndpointId, new.Status, 1) ON CONFLICT (EndpointId, Status) DO UPDATE SET Count = Count + 1; END
