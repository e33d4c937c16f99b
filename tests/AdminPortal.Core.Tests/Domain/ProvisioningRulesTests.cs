using AdminPortal.Core.Domain;

namespace AdminPortal.Core.Tests.Domain;

public class ProvisioningRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly RetrySettings Retry = new(4, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), 0.5);

    private static TaskCandidate Task(long id, ProvisioningTaskType type, ProvisioningTaskStatus status = ProvisioningTaskStatus.New, int minutesAgo = 0, DateTime? next = null, int? connection = 1) =>
        new(id, type, status, Now.AddMinutes(-minutesAgo), next, connection);

    [Fact]
    public void SelectDue_NewAndDueFailed_OldestFirst_SkipsNotYetDueAndClosed()
    {
        var picked = ProvisioningRules.SelectDue(
        [
            Task(1, ProvisioningTaskType.AddAccess, minutesAgo: 1),
            Task(2, ProvisioningTaskType.AddAccess, ProvisioningTaskStatus.Failed, 10, Now.AddMinutes(-1)),
            Task(3, ProvisioningTaskType.AddAccess, ProvisioningTaskStatus.Failed, 20, Now.AddMinutes(5)),
            Task(4, ProvisioningTaskType.AddAccess, ProvisioningTaskStatus.Failed, 30, null),
            Task(5, ProvisioningTaskType.CreateAccount, ProvisioningTaskStatus.Completed, 40),
            Task(6, ProvisioningTaskType.CreateAccount, ProvisioningTaskStatus.NeedsReview, 50),
            Task(7, ProvisioningTaskType.CreateAccount, ProvisioningTaskStatus.InProgress, 60),
            Task(8, ProvisioningTaskType.CreateAccount, ProvisioningTaskStatus.Cancelled, 70),
            Task(9, ProvisioningTaskType.RemoveAccess, minutesAgo: 5),
        ], _ => ProvisioningLimits.Unlimited, Now);

        Assert.Equal([2L, 9L, 1L], picked);
    }

    [Fact]
    public void SelectDue_PerTypeLimitOfTheConnection_CapsEachTypePerConnection()
    {
        var limits = ProvisioningLimits.Parse("""{"provisioningLimit":{"types":{"ADDACCESS":2,"NEWACCOUNT":0},"waitTimeMillis":250}}""");
        var picked = ProvisioningRules.SelectDue(
        [
            Task(1, ProvisioningTaskType.AddAccess, minutesAgo: 5),
            Task(2, ProvisioningTaskType.AddAccess, minutesAgo: 4),
            Task(3, ProvisioningTaskType.AddAccess, minutesAgo: 3),
            Task(4, ProvisioningTaskType.AddAccess, minutesAgo: 2, connection: 2),
            Task(5, ProvisioningTaskType.CreateAccount, minutesAgo: 1),
            Task(6, ProvisioningTaskType.RemoveAccess, minutesAgo: 1),
        ], id => id == 1 ? limits : ProvisioningLimits.Unlimited, Now);

        Assert.Equal([1L, 2L, 4L, 6L], picked);
        Assert.Equal(TimeSpan.FromMilliseconds(250), limits.WaitBetweenTasks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"showLogs":false}""")]
    [InlineData("""{"provisioningLimit":{"types":{"BOGUS":1,"ADDACCESS":-3}}}""")]
    public void ParseLimits_MissingOrBrokenConfig_MeansNoLimit(string? json)
    {
        var limits = ProvisioningLimits.Parse(json);
        Assert.Null(limits.LimitFor(ProvisioningTaskType.AddAccess));
        Assert.Equal(TimeSpan.Zero, limits.WaitBetweenTasks);
    }

    [Fact]
    public void ParseLimits_RealPackageShape_ReadsEveryType()
    {
        var limits = ProvisioningLimits.Parse("""{"showLogs":false, "provisioningLimit":{"types":{"NEWACCOUNT":100,"UPDATEACCOUNT":90,"ENABLEACCOUNT":80,"DISABLEACCOUNT":70,"REMOVEACCOUNT":60,"ADDACCESS":50,"REMOVEACCESS":40,"UPDATEUSER":100,"CHANGEPASSWORD":30},"waitTimeMillis":1000}}""");
        Assert.Equal(100, limits.LimitFor(ProvisioningTaskType.CreateAccount));
        Assert.Equal(60, limits.LimitFor(ProvisioningTaskType.RemoveAccount));
        Assert.Equal(30, limits.LimitFor(ProvisioningTaskType.ChangePassword));
        Assert.Equal(TimeSpan.FromSeconds(1), limits.WaitBetweenTasks);
    }

    [Fact]
    public void Backoff_DoublesPerAttempt_IsCapped_AndJitterStaysWithinFraction()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), ProvisioningRules.Backoff(1, Retry, null, 0));
        Assert.Equal(TimeSpan.FromSeconds(20), ProvisioningRules.Backoff(2, Retry, null, 0));
        Assert.Equal(TimeSpan.FromSeconds(40), ProvisioningRules.Backoff(3, Retry, null, 0));
        Assert.Equal(TimeSpan.FromMinutes(5), ProvisioningRules.Backoff(20, Retry, null, 0));
        Assert.Equal(TimeSpan.FromSeconds(15), ProvisioningRules.Backoff(1, Retry, null, 1));
        var withJitter = ProvisioningRules.Backoff(2, Retry, null, 0.37);
        Assert.InRange(withJitter, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Backoff_RetryAfterLongerThanSchedule_IsHonoured_ShorterIsNot()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), ProvisioningRules.Backoff(1, Retry, TimeSpan.FromSeconds(90), 0));
        Assert.Equal(TimeSpan.FromSeconds(20), ProvisioningRules.Backoff(2, Retry, TimeSpan.FromSeconds(3), 0));
    }

    [Fact]
    public void AfterAttempt_SuccessCompletes_FailureRetriesUntilMaximum_ThenFinal()
    {
        Assert.Equal(new AttemptOutcome(ProvisioningTaskStatus.Completed, null, true), ProvisioningRules.AfterAttempt(true, false, 1, Retry, null, Now, 0));

        var first = ProvisioningRules.AfterAttempt(false, false, 1, Retry, TimeSpan.FromSeconds(30), Now, 0);
        Assert.Equal(ProvisioningTaskStatus.Failed, first.Status);
        Assert.False(first.Final);
        Assert.Equal(Now.AddSeconds(30), first.NextAttemptUtc);

        var third = ProvisioningRules.AfterAttempt(false, false, 3, Retry, null, Now, 0);
        Assert.Equal(Now.AddSeconds(40), third.NextAttemptUtc);

        var last = ProvisioningRules.AfterAttempt(false, false, 4, Retry, null, Now, 0);
        Assert.Equal(new AttemptOutcome(ProvisioningTaskStatus.Failed, null, true), last);
    }

    [Fact]
    public void AfterAttempt_NotConfigured_FailsForGoodAtOnce()
    {
        Assert.Equal(new AttemptOutcome(ProvisioningTaskStatus.Failed, null, true), ProvisioningRules.AfterAttempt(false, true, 1, Retry, null, Now, 0));
    }

    [Fact]
    public void PartialCreate_EarlierCallSucceededOrIdReturned_GoesToReviewInsteadOfRetry()
    {
        Assert.True(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, false, [(true, false), (false, false)], null));
        Assert.True(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, false, [(false, false)], "sa-1"));
        Assert.False(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, false, [(false, false)], null));
        Assert.True(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, false, [(true, false)], null));
        Assert.False(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, false, [(true, true), (false, false)], null));
        Assert.False(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.AddAccess, false, [(true, false), (false, false)], null));
        Assert.False(ProvisioningRules.IsPartialCreate(ProvisioningTaskType.CreateAccount, true, [(true, false), (true, false)], "sa-1"));
        Assert.Equal(new AttemptOutcome(ProvisioningTaskStatus.NeedsReview, null, true), ProvisioningRules.AfterAttempt(false, false, 1, Retry, null, Now, 0, partiallyApplied: true));
    }

    [Theory]
    [InlineData(ProvisioningTaskStatus.InProgress, true, true)]
    [InlineData(ProvisioningTaskStatus.New, true, true)]
    [InlineData(ProvisioningTaskStatus.Failed, true, true)]
    [InlineData(ProvisioningTaskStatus.InProgress, false, false)]
    [InlineData(ProvisioningTaskStatus.Completed, true, false)]
    [InlineData(ProvisioningTaskStatus.Cancelled, true, false)]
    public void NeedsReviewAfterRestart_OnlyWhenIntentWasRecordedAndTaskIsOpen(ProvisioningTaskStatus status, bool intentRecorded, bool expected)
    {
        Assert.Equal(expected, ProvisioningRules.NeedsReviewAfterRestart(status, intentRecorded ? Now : null));
    }

    [Theory]
    [InlineData(ProvisioningTaskStatus.InProgress, false, 0, ProvisioningTaskStatus.New)]
    [InlineData(ProvisioningTaskStatus.InProgress, false, 2, ProvisioningTaskStatus.Failed)]
    [InlineData(ProvisioningTaskStatus.InProgress, true, 1, null)]
    [InlineData(ProvisioningTaskStatus.New, false, 0, null)]
    [InlineData(ProvisioningTaskStatus.Failed, false, 1, null)]
    [InlineData(ProvisioningTaskStatus.Completed, false, 1, null)]
    public void ReleasedAfterRestart_ClaimedButNotStarted_BackToItsQueueState_StartedOnesAreNot(ProvisioningTaskStatus status, bool intentRecorded, int attempts, ProvisioningTaskStatus? expected)
    {
        Assert.Equal(expected, ProvisioningRules.ReleasedAfterRestart(status, intentRecorded ? Now : null, attempts));
        // never both: a task is either resent-safe (released) or needs review
        Assert.False(expected is not null && ProvisioningRules.NeedsReviewAfterRestart(status, intentRecorded ? Now : null));
    }

    [Fact]
    public void RequestStatusFromTasks_AllCompleted_Provisioned_FinalFailure_Failed_OtherwiseApproved()
    {
        Assert.Equal(AccessRequestStatus.Provisioned, ProvisioningRules.RequestStatusFromTasks(AccessRequestStatus.Approved,
            [(ProvisioningTaskStatus.Completed, true), (ProvisioningTaskStatus.Completed, true)]));
        Assert.Equal(AccessRequestStatus.Approved, ProvisioningRules.RequestStatusFromTasks(AccessRequestStatus.Approved,
            [(ProvisioningTaskStatus.Completed, true), (ProvisioningTaskStatus.Failed, false)]));
        Assert.Equal(AccessRequestStatus.Failed, ProvisioningRules.RequestStatusFromTasks(AccessRequestStatus.Approved,
            [(ProvisioningTaskStatus.Completed, true), (ProvisioningTaskStatus.Failed, true)]));
        Assert.Equal(AccessRequestStatus.Rejected, ProvisioningRules.RequestStatusFromTasks(AccessRequestStatus.Rejected,
            [(ProvisioningTaskStatus.Completed, true)]));
    }
}

public class AccessRequestRulesTests
{
    [Fact]
    public void Approvers_ByMode()
    {
        Assert.Equal(["boss"], AccessRequestRules.Approvers(ApproverMode.Manager, "x,y", "boss"));
        Assert.Empty(AccessRequestRules.Approvers(ApproverMode.Manager, null, null));
        Assert.Equal(["ann", "bob"], AccessRequestRules.Approvers(ApproverMode.NamedUsers, " ann, bob ,ANN,", "boss"));
        Assert.Empty(AccessRequestRules.Approvers(ApproverMode.None, "ann", "boss"));
        Assert.True(AccessRequestRules.IsAutoApproved(ApproverMode.None));
        Assert.False(AccessRequestRules.IsAutoApproved(ApproverMode.NamedUsers));
    }

    [Fact]
    public void CanDecide_ApproverYes_RequesterAndBeneficiaryNever_EvenAsAdmin()
    {
        Assert.True(AccessRequestRules.CanDecide("boss", false, "emp", "emp", ["boss"], AccessRequestStatus.PendingApproval));
        Assert.False(AccessRequestRules.CanDecide("boss", false, "emp", "emp", ["boss"], AccessRequestStatus.Approved));
        Assert.False(AccessRequestRules.CanDecide("other", false, "emp", "emp", ["boss"], AccessRequestStatus.PendingApproval));
        Assert.False(AccessRequestRules.CanDecide("boss", false, "boss", "emp", ["boss"], AccessRequestStatus.PendingApproval));
        Assert.False(AccessRequestRules.CanDecide("admin", true, "admin", "admin", ["admin"], AccessRequestStatus.PendingApproval));
        Assert.True(AccessRequestRules.CanDecide("admin", true, "emp", "emp", ["boss"], AccessRequestStatus.PendingApproval));
    }

    [Fact]
    public void CanReadAndRequestFor_OwnManagerAdmin()
    {
        Assert.True(AccessRequestRules.CanRead("emp", false, "emp", "emp", ["boss"]));
        Assert.True(AccessRequestRules.CanRead("boss", false, "emp", "emp", ["boss"]));
        Assert.False(AccessRequestRules.CanRead("stranger", false, "emp", "emp", ["boss"]));
        Assert.True(AccessRequestRules.CanRead("stranger", true, "emp", "emp", ["boss"]));

        Assert.True(AccessRequestRules.CanRequestFor("emp", false, "emp", "boss"));
        Assert.True(AccessRequestRules.CanRequestFor("boss", false, "emp", "boss"));
        Assert.False(AccessRequestRules.CanRequestFor("peer", false, "emp", "boss"));
        Assert.True(AccessRequestRules.CanRequestFor("admin", true, "emp", "boss"));
    }
}
