using AdminPortal.Web.Security;

namespace AdminPortal.Web.Components.Layout;

public sealed record MenuItem(string Text, string Icon, string Path, string Policy);

/// <summary>
/// The one list of menu entries. Add an entry in the same commit as the page that makes it work.
/// </summary>
public static class MenuRegistry
{
    public static readonly IReadOnlyList<MenuItem> Admin =
    [
        new("Onboard an application", "rocket_launch", "admin/onboarding", Policies.Admin),
        new("Connections", "cable", "admin/connections", Policies.Admin),
        new("Transport", "local_shipping", "admin/transport", Policies.Admin),
        new("Security Systems", "dns", "admin/security-systems", Policies.Admin),
        new("Endpoints", "hub", "admin/endpoints", Policies.Admin),
        new("Users & Roles", "manage_accounts", "admin/users", Policies.Admin),
        new("API Tokens", "key", "admin/api-tokens", Policies.Admin),
        new("Audit Log", "history", "admin/audit", Policies.Admin),
        new("Tasks", "assignment", "admin/tasks", Policies.Admin),
        new("Outbox", "outgoing_mail", "admin/outbox", Policies.Admin),
    ];

    public static readonly IReadOnlyList<MenuItem> IdentityRepository =
    [
        new("Users", "people", "identities/users", Policies.Reviewer),
        new("Accounts", "account_box", "identities/accounts", Policies.Reviewer),
        new("Entitlements", "verified_user", "identities/entitlements", Policies.Reviewer),
    ];

    public static readonly IReadOnlyList<MenuItem> Everyone =
    [
        new("Jobs", "schedule", "jobs", Policies.Admin),
        new("Request Access", "add_task", "requests/new", Policies.SignedIn),
        new("My Requests", "list_alt", "requests", Policies.SignedIn),
        new("Approvals", "fact_check", "approvals", Policies.SignedIn),
    ];
}
