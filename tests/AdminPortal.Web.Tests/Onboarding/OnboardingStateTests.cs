using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Onboarding;
using AdminPortal.Web.Features.Transport;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;

namespace AdminPortal.Web.Tests.Onboarding;

/// <summary>The wizard stores nothing of its own: where an onboarding stands is read from the objects that exist.</summary>
public class OnboardingStateTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);

    [Fact]
    public async Task State_FollowsTheObjectsFromImportedPackageToImportedEndpoint()
    {
        // Arrange: the SAP BTP package imported as it comes, against its simulator
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 9, Accounts = 12 });
        var profile = PackageConnectionProfiles.For(sim);
        var onboarding = harness.Service<OnboardingService>();
        var connections = harness.Service<ConnectionService>();
        var zip = await File.ReadAllBytesAsync(ImportHarness.PackagePath(profile.PackageFile));
        Assert.Equal("succeeded", (await harness.Service<TransportService>().ImportAsync(zip, profile.PackageFile, null, "tests", "ui")).Status);

        // Act + Assert: step by step, each write through the admin pages' services moves the derived step on
        var state = (await onboarding.GetAsync(profile.ConnectionName))!;
        Assert.Equal(OnboardingStep.Credentials, state.Current);
        Assert.Contains(await onboarding.InProgressAsync(), s => s.Connection == profile.ConnectionName);

        Assert.True((await connections.SaveEditedAttributeAsync(profile.ConnectionName, ConnectionAttributeNames.ConnectionJson, profile.ConnectionJson, "tests")).Saved);
        Assert.Empty(await connections.FillPlaceholdersAsync(profile.ConnectionName, profile.Placeholders, "tests"));
        state = (await onboarding.GetAsync(profile.ConnectionName))!;
        Assert.True(state.IsDone(OnboardingStep.Credentials));
        Assert.Equal(OnboardingStep.Target, state.Current);

        Assert.Null(await connections.SaveTargetSettingsAsync(profile.ConnectionName, profile.BaseUrl, PackageConnectionProfiles.RewritesJson(profile), "tests"));
        Assert.Equal(OnboardingStep.Test, (await onboarding.GetAsync(profile.ConnectionName))!.Current);

        Assert.True((await harness.Service<ConnectionTester>().TestAsync(profile.ConnectionName, null, "tests")).Success);
        state = (await onboarding.GetAsync(profile.ConnectionName))!;
        Assert.True(state.LastTestSucceeded);
        Assert.Equal(OnboardingStep.SystemAndEndpoint, state.Current);

        var endpoint = await harness.SetUpAsync(sim, "-onboarding");
        state = (await onboarding.GetAsync(profile.ConnectionName))!;
        Assert.Equal(endpoint, state.Endpoint);
        Assert.Equal(OnboardingStep.Preview, state.Current);

        var preview = await harness.RunAsync(endpoint, preview: true);
        Assert.Equal(JobRunStatus.PreviewReady, preview.Status);
        var plan = Newtonsoft.Json.JsonConvert.DeserializeObject<PlanSummary>(preview.PlanJson!)!;
        Assert.Equal(sim.State.GetAccounts().Count, plan.SampleAddedAccounts!.Count);
        Assert.All(plan.SampleAddedAccounts!, a => Assert.Contains(sim.State.GetAccounts(), s => s.Id == a.AccountId && s.Name == a.Name));
        Assert.NotEmpty(plan.SampleAddedEntitlements!);
        Assert.Equal(OnboardingStep.Import, (await onboarding.GetAsync(profile.ConnectionName))!.Current);

        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);
        state = (await onboarding.GetAsync(profile.ConnectionName))!;
        Assert.True(state.IsComplete);
        Assert.Equal(OnboardingStep.Done, state.Current);
        Assert.Equal(sim.State.GetAccounts().Count, state.Accounts);
        Assert.DoesNotContain(await onboarding.InProgressAsync(), s => s.Connection == profile.ConnectionName);
    }

    [Fact]
    public async Task BlankRestConnection_WaitsForConnectionJsonAndImportAccountEntJson()
    {
        // Arrange: a blank connection, as "Start from a blank REST connection" creates it
        var connections = harness.Service<ConnectionService>();
        var onboarding = harness.Service<OnboardingService>();
        Assert.Empty(await connections.CreateAsync(new ConnectionDetails("blank-onboarding", null), "tests"));

        // Act
        var state = (await onboarding.GetAsync("blank-onboarding"))!;

        // Assert: credentials are the step, both JSON attributes missing; nothing further is done
        Assert.Equal(OnboardingStep.Credentials, state.Current);
        Assert.False(state.ConnectionJsonEntered);
        Assert.False(state.HasImportJson);
        Assert.Null(state.LastTestSucceeded);
        Assert.Null(state.SecuritySystem);
        Assert.Null(await onboarding.GetAsync("no-such-connection"));
    }
}
