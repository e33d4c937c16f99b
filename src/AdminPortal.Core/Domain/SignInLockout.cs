namespace AdminPortal.Core.Domain;

/// <summary>Pure lockout rules for password sign-in: repeated failures lock the user for a while.</summary>
public static class SignInLockout
{
    public static bool IsLockedOut(AppUser user, DateTime nowUtc) => user.LockedUntilUtc is { } until && until > nowUtc;

    /// <summary>Records a failed attempt; locks the user once <paramref name="maxFailures"/> is reached.</summary>
    public static void RecordFailure(AppUser user, DateTime nowUtc, int maxFailures, TimeSpan lockout)
    {
        if (user.LockedUntilUtc is { } until && until <= nowUtc)
        {
            // An expired lock starts a fresh count.
            user.LockedUntilUtc = null;
            user.FailedSignInCount = 0;
        }

        user.FailedSignInCount++;
        if (user.FailedSignInCount >= maxFailures)
        {
            user.LockedUntilUtc = nowUtc + lockout;
        }
    }

    public static void RecordSuccess(AppUser user, DateTime nowUtc)
    {
        user.FailedSignInCount = 0;
        user.LockedUntilUtc = null;
        user.LastSignInUtc = nowUtc;
    }
}
