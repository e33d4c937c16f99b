using System.Net;
using AdminPortal.Simulators.Core;
using AdminPortal.Simulators.Systems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Simulators;

/// <summary>Starts simulators on Kestrel (127.0.0.1).</summary>
public static class SimulatorHost
{
    /// <summary>Starts all five simulators with the same options (ports basePort … basePort+4, or random ports when 0).</summary>
    public static async Task<IReadOnlyList<RunningSimulator>> StartAllAsync(SimulatorOptions options, int basePort = 0, CancellationToken ct = default)
    {
        var list = new List<RunningSimulator>();
        try
        {
            foreach (var (system, i) in Enum.GetValues<SimulatedSystem>().Select((s, i) => (s, i)))
                list.Add(await StartAsync(system, options, basePort == 0 ? 0 : basePort + i, ct));
            return list;
        }
        catch
        {
            foreach (var s in list) await s.DisposeAsync();
            throw;
        }
    }

    public static async Task<RunningSimulator> StartAsync(SimulatedSystem system, SimulatorOptions options, int port = 0, CancellationToken ct = default)
    {
        var opts = options.Clone();
        SimulatorBase sim = system switch
        {
            SimulatedSystem.SapBtp => new SapBtpSimulator(opts),
            SimulatedSystem.Confluent => new ConfluentSimulator(opts),
            SimulatedSystem.InContact => new InContactSimulator(opts),
            SimulatedSystem.SignalSciences => new SignalSciencesSimulator(opts),
            SimulatedSystem.Bynder => new BynderSimulator(opts),
            
            
            
            
            _ => throw new ArgumentOutOfRangeException(nameof(system)),
        };
        sim.Initialize();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = Array.Empty<string>(),
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        builder.Services.AddRouting();
        // An embedded simulator must not install console signal handlers (the default ConsoleLifetime swallows
        // SIGTERM/SIGINT and would hijack Ctrl+C of the portal or test host); the owner stops it by disposing.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        var app = builder.Build();

        Pipeline.Configure(app, sim);

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        sim.BaseUrl = new Uri($"http://127.0.0.1:{uri.Port}/");
        return new RunningSimulator(system, sim, app);
    }
}

internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A started simulator. Dispose to stop it.</summary>
public sealed class RunningSimulator : IAsyncDisposable
{
    private readonly SimulatorBase _sim;
    private readonly WebApplication _app;

    internal RunningSimulator(SimulatedSystem system, SimulatorBase sim, WebApplication app)
    {
        System = system;
        _sim = sim;
        _app = app;
    }

    public SimulatedSystem System { get; }
    /// <summary>Scheme + host + port, e.g. http://127.0.0.1:54321/ (with trailing slash).</summary>
    public Uri BaseUrl => _sim.BaseUrl;
    /// <summary>The base a connector's relative paths resolve against (inContact: …/inContactAPI/services/v34.0,
    /// Signal Sciences: …/api/v0; the others: BaseUrl).</summary>
    public Uri ApiBaseUrl => new(_sim.Root + _sim.ApiPrefix);
    /// <summary>Current credentials (after <see cref="ExpireTokens"/> the static ones are new).</summary>
    public SimulatorCredentials Credentials => _sim.Credentials;
    public IReadOnlyList<RecordedRequest> Requests => _sim.Log.Snapshot();
    public void ClearRequests() => _sim.Log.Clear();
    public FaultInjector Faults => _sim.Faults;
    public ISimulatorState State => _sim;
    /// <summary>The live options; TokenLifetime, RateLimits and the compat flags may be changed at runtime.</summary>
    public SimulatorOptions Options => _sim.Options;

    public TimeSpan TokenLifetime
    {
        get => _sim.Options.TokenLifetime;
        set => _sim.Options.TokenLifetime = value;
    }

    /// <summary>Expires every issued access token now and rotates static credentials (API keys, permanent tokens),
    /// so the old ones answer 401. Refresh tokens stay valid.</summary>
    public void ExpireTokens() => _sim.ExpireTokens();

    /// <summary>Creates an HttpClient for this simulator's API base, with credentials applied where the system
    /// uses static ones (Confluent Basic, Signal Sciences x-api headers, Bynder permanent token).</summary>
    public HttpClient CreateAuthenticatedClient()
    {
        var c = new HttpClient { BaseAddress = new Uri(ApiBaseUrl.ToString().TrimEnd('/') + "/") };
        var creds = Credentials;
        if (creds.TryGet("Authorization", out var auth)) c.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", auth);
        if (creds.TryGet("x-api-user", out var u)) c.DefaultRequestHeaders.TryAddWithoutValidation("x-api-user", u);
        if (creds.TryGet("x-api-token", out var t)) c.DefaultRequestHeaders.TryAddWithoutValidation("x-api-token", t);
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _app.StopAsync(cts.Token); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
