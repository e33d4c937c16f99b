using AdminPortal.Web;

var app = await PortalApp.CreateAsync(args);
app?.Run();

/// <summary>Visible to WebApplicationFactory in the test projects.</summary>
public partial class Program;
