using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Imports;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// The portal as a child process (KillAndRestartTests' helper) is killed with SIGKILL while a provisioning call is in
/// flight against a slow simulator hosted in the test process (so the target outlives the portal), then started again on
/// the same data directory. One WSRETRY batch claims every task (ADR-014): the in-flight task is NeedsReview and is not
/// resent, tasks that finished before it were recorded, the claimed tasks that never started are back in the queue, and
/// WSRETRY completes them.
/// </summary>
public sealed class ProvisioningKillTests
{
    private static async Task<Dictionary<long, string>> StatesAsync(HttpClient client, string endpoint) =>
        JArray.Parse(await client.GetStringAsync($"/api/tasks?endpoint={endpoint}"))
            .ToDictionary(t => (long)t["id"]!, t => (string)t["state"]!);

    [Fact]
    public async Task ProvisioningFault_KilledWhileACallIsInFlight_RestartMarksItNeedsReview_NotResent_OthersCompletedByWsRetry()
    {
        // the first create (oldest task first) hangs at the target; the two others were claimed with it and never started
        await KillMidBatchAsync(["svc-kill1", "svc-kill2", "svc-kill3"], hangingCall: 1);
    }

    [Fact]
    public async Task Batch_KilledAtItsThirdCall_FinishedTasksRecorded_InFlightNeedsReview_UnstartedBackInQueue_NoneSentTwice()
    {
        // calls 1 and 2 finish and are written while call 3 hangs (results are written at most ResultFlushMilliseconds late)
        await KillMidBatchAsync(["svc-batch1", "svc-batch2", "svc-batch3", "svc-batch4", "svc-batch5"], hangingCall: 3);
    }

    /// <summary>One CreateAccount task per name, approved; one WSRETRY batch runs them oldest first and the portal is killed while
    /// call <paramref name="hangingCall"/> hangs at the target.</summary>
    private static async Task KillMidBatchAsync(string[] names, int hangingCall)
    {
        // WSRETRY only on demand (interval 1 h) so the test decides when tasks run
        var settings = new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" };
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, settings, keepDataDirectory: true);
        var taskIds = new List<long>();
        var requests = h.Service<AccessRequestService>();
        foreach (var name in names)
        {
            await h.AddUserAsync(name, "boss", name + "@example.test", ("CustomProperty4", name));
            var view = await requests.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "kill test", null), new Actor(name, false));
            await requests.DecideAsync(view.Id, true, "ok", new Actor("boss", false));
            taskIds.Add(Assert.Single(await h.TasksOfAsync(view.Id)).Id);
        }

        var token = (await h.Service<ApiTokenService>().CreateAsync("admin", "kill test", 1, "tests")).Token;
        var dataDirectory = h.DataDirectory;
        await h.StopPortalAsync();
        SqliteConnection.ClearAllPools();

        int PostsFor(string name) => h.Sim.Requests.Count(r => r.Method == "POST" && r.Path == "/iam/v2/service-accounts" && r.Body.Contains(name, StringComparison.Ordinal));
        bool Exists(string name) => h.Sim.State.GetAccounts().Any(a => a.Attributes.GetValueOrDefault("display_name") == name);

        var url = $"http://127.0.0.1:{KillAndRestartTests.FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        string[] args = ["--Provisioning:IntervalSeconds=3600", "--Provisioning:MaxAttempts=3", "--Provisioning:BaseDelaySeconds=1", "--Provisioning:JitterFraction=0"];
        // call n hangs at the target far longer than the test waits
        var slow = h.Sim.Faults.Add(new FaultRule
        {
            Kind = FaultKind.Latency, PathPattern = "/iam/v2/service-accounts", Method = "POST", SkipFirst = hangingCall - 1, Times = 1, Latency = TimeSpan.FromSeconds(60),
        });
        var inFlight = taskIds[hangingCall - 1];
        var portal = await KillAndRestartTests.StartPortalAsync(dataDirectory, url, client, args);
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/provisioning/run", null)).StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (slow.FiredCount == 0 || (await StatesAsync(client, h.Endpoint)).GetValueOrDefault(inFlight) != "InProgress")
            {
                Assert.True(DateTime.UtcNow < deadline, "the hanging call never reached the target");
                await Task.Delay(100);
            }

            // the tasks that finished before the hanging call are written although the batch has not ended (ResultFlushMilliseconds)
            async Task<bool> FinishedOnesWritten()
            {
                var now = await StatesAsync(client, h.Endpoint);
                return taskIds.Take(hangingCall - 1).All(id => now[id] == "Completed");
            }

            while (!await FinishedOnesWritten())
            {
                Assert.True(DateTime.UtcNow < deadline, "the finished tasks were not written while the next call was in flight");
                await Task.Delay(100);
            }

            await Task.Delay(300);
            portal.Kill(entireProcessTree: true); // SIGKILL while the POST of the hanging call is in flight
            await portal.WaitForExitAsync();
            portal.Dispose();
            h.Sim.Faults.Clear();
            Assert.False(Exists(names[hangingCall - 1]));

            portal = await KillAndRestartTests.StartPortalAsync(dataDirectory, url, client, args);
            var states = await StatesAsync(client, h.Endpoint);
            Assert.Equal("NeedsReview", states[inFlight]);
            foreach (var id in taskIds.Take(hangingCall - 1)) Assert.Equal("Completed", states[id]);
            // claimed by the batch but never started: nothing was sent, so they are due again (not NeedsReview)
            foreach (var id in taskIds.Skip(hangingCall)) Assert.Equal("New", states[id]);

            // WSRETRY completes the others and never resends the task under review
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/provisioning/run", null)).StatusCode);
            deadline = DateTime.UtcNow.AddSeconds(30);
            while (!taskIds.Where(id => id != inFlight).All(id => states[id] == "Completed"))
            {
                Assert.True(DateTime.UtcNow < deadline, "WSRETRY did not complete the other tasks: " + string.Join(", ", states.Select(kv => $"{kv.Key}={kv.Value}")));
                await Task.Delay(200);
                states = await StatesAsync(client, h.Endpoint);
            }

            Assert.Equal("NeedsReview", states[inFlight]);
            Assert.Equal(1, PostsFor(names[hangingCall - 1]));
            Assert.False(Exists(names[hangingCall - 1]));
            foreach (var name in names.Where((_, i) => i != hangingCall - 1))
            {
                Assert.Equal(1, PostsFor(name));
                Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == name);
            }
        }
        finally
        {
            try
            {
                if (!portal.HasExited) portal.Kill(entireProcessTree: true);
                await portal.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // already disposed
            }

            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}
