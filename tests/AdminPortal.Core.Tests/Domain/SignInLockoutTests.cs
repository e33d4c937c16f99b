using AdminPortal.Core.Domain;

namespace AdminPortal.Core.Tests.Domain;

public class SignInLockoutTests
{
    private static readonly DateTime Now = new(2026, 11, 22, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void RecordFailure_ReachingTheMaximum_LocksForTheLockoutPeriod()
    {
        var user = new AppUser { Username = "u" };
        for (var i = 0; i < 4; i++) SignInLockout.RecordFailure(user, Now, 5, TimeSpan.FromMinutes(15));
        Assert.False(SignInLockout.IsLockedOut(user, Now));

        SignInLockout.RecordFailure(user, Now, 5, TimeSpan.FromMinutes(15));
        Assert.True(SignInLockout.IsLockedOut(user, Now.AddMinutes(14)));
        Assert.False(SignInLockout.IsLockedOut(user, Now.AddMinutes(16)));
    }

    [Fact]
    public void RecordFailure_AfterAnExpiredLock_StartsAFreshCount()
    {
        var user = new AppUser { Username = "u", FailedSignInCount = 5, LockedUntilUtc = Now.AddMinutes(-1) };
        SignInLockout.RecordFailure(user, Now, 5, TimeSpan.FromMinutes(15));
        Assert.Equal(1, user.FailedSignInCount);
        Assert.False(SignInLockout.IsLockedOut(user, Now));
    }

    [Fact]
    public void RecordSuccess_ClearsFailuresAndStampsTheSignIn()
    {
        var user = new AppUser { Username = "u", FailedSignInCount = 3 };
        SignInLockout.RecordSuccess(user, Now);
        Assert.Equal(0, user.FailedSignInCount);
        Assert.Equal(Now, user.LastSignInUtc);
    }
}
