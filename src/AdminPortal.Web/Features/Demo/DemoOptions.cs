namespace AdminPortal.Web.Features.Demo;

/// <summary>Settings under "AdminPortal:Demo" (README: <c>dotnet run --project src/AdminPortal.Web -- --demo</c>).</summary>
public sealed class DemoOptions
{
    public const string Section = "AdminPortal:Demo";

    /// <summary>Starts the five simulators in-process and sets the portal up against them.</summary>
    public bool Enabled { get; set; }

    /// <summary>The demo keeps its own SQLite file beside the real one, so switching demo on never touches real data.</summary>
    public string DatabaseFileName { get; set; } = "adminportal-demo.db";

    /// <summary>The password of every demo person; shown on the sign-in page only in demo mode.</summary>
    public string Password { get; set; } = "Demo-Passw0rd!";

    /// <summary>Accounts seeded into each simulator.</summary>
    public int Accounts { get; set; } = 25;

    /// <summary>Simulator seed: same seed, same demo data.</summary>
    public int Seed { get; set; } = 7;

    /// <summary>Queue a full import of every demo endpoint at start-up.</summary>
    public bool ImportAtStartup { get; set; } = true;
}

/// <summary>The people demo mode creates (all with <see cref="DemoOptions.Password"/>).</summary>
public static class DemoPeople
{
    public sealed record Person(string Username, string FirstName, string LastName, string Role, string? Manager, string Description);

    public static readonly IReadOnlyList<Person> All =
    [
        new("admin", "Portal", "Administrator", Core.Domain.SavRoles.Admin, null, "administrator: connections, jobs, tasks"),
        new("rita.reviewer", "Rita", "Reviewer", Core.Domain.SavRoles.Reviewer, null, "reviewer: accounts and entitlements"),
        new("mark.manager", "Mark", "Manager", Core.Domain.SavRoles.EndUser, null, "manager of Alice and Bob: approves their requests"),
        new("alice.requester", "Alice", "Requester", Core.Domain.SavRoles.EndUser, "mark.manager", "requester"),
        new("bob.requester", "Bob", "Requester", Core.Domain.SavRoles.EndUser, "mark.manager", "requester"),
    ];
}
