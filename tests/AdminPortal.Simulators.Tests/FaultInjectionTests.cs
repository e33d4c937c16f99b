using System.Diagnostics;
using System.Net;

namespace AdminPortal.Simulators.Tests;

/// <summary>One simulator per system, shared by the fault cases (faults and the request log are cleared per case).</summary>
public sealed class SharedSimulators : IAsyncLifetime
{
    private readonly Dictionary<SimulatedSystem, RunningSimulator> _sims = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<RunningSimulator> Get(SimulatedSystem system)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_sims.TryGetValue(system, out var sim)) _sims[system] = sim = await TestSupport.Start(system, accounts: 10);
            sim.Faults.Clear();
            sim.ClearRequests();
            return sim;
        }
        finally { _gate.Release(); }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in _sims.Values) await s.DisposeAsync();
    }
}

public sealed class FaultInjectionTests(SharedSimulators shared) : IClassFixture<SharedSimulators>
{
    public static IEnumerable<object[]> Cases() =>
        from s in Enum.GetValues<SimulatedSystem>()
        from k in Enum.GetValues<FaultKind>()
        select new object[] { s, k };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Inject_EachKindOnce_NextCallSucceeds(SimulatedSystem system, FaultKind kind)
    {
        var sim = await shared.Get(system);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = sim.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        var rule = sim.Faults.Add(new FaultRule { Kind = kind, PathPattern = Probes.ListPath(sim), Times = 1, Latency = TimeSpan.FromMilliseconds(300), RetryAfterSeconds = 7 });

        var sw = Stopwatch.StartNew();
        HttpResponseMessage? resp = null;
        Exception? error = null;
        string body = "";
        try
        {
            resp = await http.SendAsync(await Probes.List(sim, http));
            body = await resp.Content.ReadAsStringAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            error = ex;
        }
        sw.Stop();
        Assert.Equal(1, rule.FiredCount);

        switch (kind)
        {
            case FaultKind.Unauthorized401: AssertStatus(401); break;
            case FaultKind.Forbidden403: AssertStatus(403); break;
            case FaultKind.NotFound404: AssertStatus(404); break;
            case FaultKind.Conflict409: AssertStatus(409); break;
            case FaultKind.InternalError500: AssertStatus(500); break;
            case FaultKind.ServiceUnavailable503:
                AssertStatus(503);
                Assert.Equal(TimeSpan.FromSeconds(7), resp!.Headers.RetryAfter?.Delta);
                break;
            case FaultKind.TooManyRequests429:
                Assert.Equal((HttpStatusCode)429, resp!.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(7), resp.Headers.RetryAfter?.Delta);
                break;
            case FaultKind.TooManyRequests429NoRetryAfter:
                Assert.Equal((HttpStatusCode)429, resp!.StatusCode);
                Assert.Null(resp.Headers.RetryAfter);
                break;
            case FaultKind.BadGateway502:
                Assert.Equal(HttpStatusCode.BadGateway, resp!.StatusCode);
                Assert.Contains("502 Bad Gateway", body);
                break;
            case FaultKind.Latency:
                Assert.Equal(HttpStatusCode.OK, resp!.StatusCode);
                Assert.True(sw.ElapsedMilliseconds >= 290, $"elapsed {sw.ElapsedMilliseconds} ms");
                break;
            case FaultKind.ConnectionReset:
            case FaultKind.TruncatedBody:
                Assert.NotNull(error);
                break;
            case FaultKind.ErrorBodyWith200:
                Assert.Equal(HttpStatusCode.OK, resp!.StatusCode);
                Assert.True(Probes.HasErrorShape(system, body), body);
                break;
            case FaultKind.RedirectToLogin:
                Assert.Equal(HttpStatusCode.Redirect, resp!.StatusCode);
                var login = await http.GetAsync(resp.Headers.Location);
                Assert.Equal("text/html", login.Content.Headers.ContentType?.MediaType);
                Assert.Contains("<form", await login.Content.ReadAsStringAsync());
                break;
            default:
                throw new InvalidOperationException(kind.ToString());
        }

        var after = await http.SendAsync(await Probes.List(sim, http));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var recorded = sim.Requests.Where(r => r.Path == Probes.ListPath(sim)).ToList();
        for (var i = 0; i < 50 && recorded.Count < 2; i++)
        {
            await Task.Delay(20); // an aborted request is logged when its handler unwinds
            recorded = sim.Requests.Where(r => r.Path == Probes.ListPath(sim)).ToList();
        }
        Assert.Equal(2, recorded.Count);
        if (kind is FaultKind.ConnectionReset or FaultKind.TruncatedBody) Assert.Equal(0, recorded[0].Status);
        Assert.Equal(200, recorded[1].Status);

        void AssertStatus(int status)
        {
            Assert.Equal((HttpStatusCode)status, resp!.StatusCode);
            if (!(system == SimulatedSystem.Bynder && status == 401 && sim.Options.BynderPlainText401))
                Assert.True(Probes.HasErrorShape(system, body), body);
            Assert.Equal(status, sim.Requests.Last(r => r.Path == Probes.ListPath(sim)).Status);
        }
    }

    [Fact]
    public async Task OnCall_ThirdMatchingCall_OnlyThatCallFails()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 10);
        using var http = TestSupport.Client(sim);
        sim.Faults.Add(FaultRule.OnCall(FaultKind.InternalError500, 3, "/iam/v2/*"));
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++) statuses.Add((int)(await http.SendAsync(await Probes.List(sim, http))).StatusCode);
        Assert.Equal(new[] { 200, 200, 500, 200, 200 }, statuses);
    }

    [Fact]
    public async Task Always_EveryMatchingCallFails_UntilCleared()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Bynder, accounts: 10);
        using var http = TestSupport.Client(sim);
        sim.Faults.Add(FaultRule.Always(FaultKind.ServiceUnavailable503, "/api/v4/*"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.SendAsync(await Probes.List(sim, http))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.SendAsync(await Probes.List(sim, http))).StatusCode);
        var groups = TestSupport.Req(HttpMethod.Get, "/api/groups/list", auth: sim.Credentials["Authorization"]);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(groups)).StatusCode); // other paths unaffected
        sim.Faults.Clear();
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(await Probes.List(sim, http))).StatusCode);
    }
}
