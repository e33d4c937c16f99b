using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Users;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Users;

public static class UserSeeding
{
    public static async Task AddUserAsync(PortalFactory factory, string username, string password, params string[] roles)
    {
        var users = factory.Services.GetRequiredService<UserService>();
        if (await users.FindAsync(username) is not null) return;
        var errors = await users.SaveAsync(null, new UserEdit(username, username, "Test", $"{username}@example.test", null, UserStatus.Active, roles), password, "test");
        Assert.Empty(errors);
    }
}
